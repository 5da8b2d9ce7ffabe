//! snare payload parser. (Being written: see issue 3.)

use crate::error::ParseError;
use crate::fields::WinFields;

pub fn looks_like(_body: &[u8]) -> bool {
    false
}

pub fn extract<'a>(_body: &'a [u8], _out: &mut WinFields<'a>) -> Result<(), ParseError> {
    Ok(())
}
