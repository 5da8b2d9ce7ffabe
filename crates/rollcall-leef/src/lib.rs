//! rollcall-leef (being written)
