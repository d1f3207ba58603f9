//! A form field's problem, by the field's id in the page: what every
//! form (credentials, cloud sources) reports and the pages show.

/// A problem with one field, by the field's id in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}
