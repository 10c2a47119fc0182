//! Human-in-the-loop approval of agent calls (DESIGN §8): which calls wait (`policy`), the
//! "approve always" rules and their argument patterns (`pattern`), and the human's answers
//! (`answer`), the one set of functions the workbench keys and `toolbench calls` both use.

pub mod answer;
pub mod pattern;
pub mod policy;

pub use answer::{ApprovalError, Decision, abandon_dead, answer, revoke};
