// A tiny image for pull tests: an OCI layout with one layer, pushed to a
// test registry with skopeo, and skopeo inspecting it through a credential
// helper, as a puller would.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Pushes `<host>/<repo>:latest` with `creds` (`user:password`); throws on failure. */
export async function pushImage(dir, host, repo, creds) {
  const layout = path.join(dir, 'oci');
  const blobs = path.join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const blob = async (bytes) => {
    const digest = createHash('sha256').update(bytes).digest('hex');
    await writeFile(path.join(blobs, digest), bytes);
    return { digest: `sha256:${digest}`, size: bytes.length };
  };
  const layer = await blob(gzipSync(Buffer.alloc(1024)));
  const diff = createHash('sha256').update(Buffer.alloc(1024)).digest('hex');
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] } })));
  const manifest = await blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  const r = spawnSync('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:latest`, `docker://${host}/${repo}:latest`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
}

/** `skopeo inspect` of `<host>/<repo>:latest` with credentials from
 * docker-credential-regcred (`credHelpers`); `env` runs the helper. */
export async function inspectThroughHelper(dir, host, repo, env) {
  const authfile = path.join(dir, 'auth.json');
  await writeFile(authfile, JSON.stringify({ auths: {}, credHelpers: { [host]: 'regcred' } }));
  return spawnSync('skopeo', ['inspect', '--authfile', authfile, '--tls-verify=false', `docker://${host}/${repo}:latest`], {
    env, encoding: 'utf8', timeout: 60_000,
  });
}
