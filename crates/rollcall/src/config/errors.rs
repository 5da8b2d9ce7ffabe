//! Config errors: every problem found, each with where it is (`PATH:LINE:COL: message`).

use std::fmt;

/// One step of a key path: a table key or an array index (`listen[1].tls_cert`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySegment {
    Key(String),
    Index(usize),
}

/// Where a semantic error is, as a path of keys; resolved to a line when a document is known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<KeySegment>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(KeySegment::Key(key.to_owned()));
        KeyPath(segments)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(KeySegment::Index(index));
        KeyPath(segments)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                KeySegment::Key(k) if i == 0 => f.write_str(k)?,
                KeySegment::Key(k) => write!(f, ".{k}")?,
                KeySegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A position in the config text, 1-based (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

/// One problem in a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `<embedded default>`); `None` while the error is not yet placed.
    pub file: Option<String>,
    pub position: Option<Position>,
    /// The key the error is about, when there is one.
    pub key: KeyPath,
    pub message: String,
}

impl ConfigError {
    pub fn at_key(key: KeyPath, message: impl Into<String>) -> Self {
        ConfigError {
            file: None,
            position: None,
            key,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            f.write_str(file)?;
            if let Some(p) = self.position {
                write!(f, ":{}:{}", p.line, p.column)?;
            }
            f.write_str(": ")?;
        }
        if !self.key.0.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every error found in a config. `Display` prints one per line, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn single(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }

    /// `Ok(())` when nothing was found.
    pub fn into_result(self) -> Result<(), ConfigErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Sorts by position so the output reads top to bottom like the file.
    pub(crate) fn sort_by_position(&mut self) {
        self.0
            .sort_by_key(|e| e.position.map_or((usize::MAX, 0), |p| (p.line, p.column)));
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        let x = text.find('"').unwrap();
        assert_eq!(
            Position::of_offset(text, x),
            Position { line: 2, column: 6 }
        );
        assert_eq!(Position::of_offset(text, 10_000).line, 3);
    }

    #[test]
    fn display_one_error_per_line() {
        let mut a = ConfigError::at_key(KeyPath::root().key("listen").index(0), "bad");
        a.file = Some("r.toml".into());
        a.position = Some(Position { line: 3, column: 1 });
        let b = ConfigError::at_key(KeyPath::root(), "worse");
        let text = ConfigErrors(vec![a, b]).to_string();
        assert_eq!(text, "r.toml:3:1: listen[0]: bad\nworse");
    }
}
