//! Human-in-the-loop approval of agent calls (DESIGN §8): the "approve always" rules and their
//! argument patterns (`model::calls::pattern`), and the human's answers (`answer`), the one set of functions
//! the workbench keys and `toolbench calls` both use. Which calls wait is the one admission
//! rule of every front end (`model::admission`).

pub(crate) mod answer;

pub(crate) use answer::{Binding, abandon_dead, answer, revoke};
