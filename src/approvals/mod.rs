//! Human-in-the-loop approval of agent calls (DESIGN §8): the "approve always" rules and their
//! argument patterns (`pattern`), and the human's answers (`answer`), the one set of functions
//! the workbench keys and `toolbench calls` both use. Which calls wait is the one admission
//! rule of every front end (`model::admission`).

pub(crate) mod answer;
pub(crate) mod pattern;

pub(crate) use answer::{
    ApprovalError, Binding, CallDecision, SeenCall, abandon_dead, answer, revoke,
};
