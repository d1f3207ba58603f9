"""Amazon ECR's stand-in: moto's server on loopback with authentication on
(SigV4 signatures and IAM policies checked). Before authentication starts,
it makes three IAM users and prints their keys as one JSON line:
  allowed  - a policy allows ecr:GetAuthorizationToken
  denied   - no policy
  (an unknown key is any other access key id)
Then it serves until killed. Usage: moto_ecr.py PORT
"""
import json
import os
import sys

PORT = int(sys.argv[1])
# The IAM calls below run before authentication starts: moto counts them.
SETUP_ACTIONS = 6
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_ACTIONS)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "setup")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "setup")

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

server = ThreadedMotoServer(ip_address="127.0.0.1", port=PORT)
server.start()
url = f"http://127.0.0.1:{PORT}"
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
policy = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]})
keys = {}
for user in ("allowed", "denied"):
    iam.create_user(UserName=user)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = {"accessKeyId": k["AccessKeyId"], "secretAccessKey": k["SecretAccessKey"]}
iam.put_user_policy(UserName="allowed", PolicyName="pull", PolicyDocument=policy)
print(json.dumps(keys), flush=True)
try:
    server._thread.join()
except KeyboardInterrupt:
    pass
