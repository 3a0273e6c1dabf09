//! A message as plain data: HTML text and inline buttons, the same for every channel.

/// An inline button: its label and the data its tap sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub data: String,
}

/// Rows of buttons under a message.
pub type Buttons = Vec<Vec<Button>>;
