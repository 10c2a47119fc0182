//! Review decisions: the table of the decisions a person takes ([`DecisionKind`], each
//! declared once in [`DecisionKind::spec`]), and decisions as they are recorded
//! ([`DecisionAction`], [`DecisionRecord`]): what was done to a tool, by whom, from which
//! version and content to which.
//!
//! Every other spelling of a decision (the workbench's keys, the subcommands, the dialog, the
//! lifecycle's steps, the seals) reads this table or matches on these enums exhaustively, so a
//! new kind does not compile until each of them decides what it does with it. Plain data: this
//! module knows nothing of the review, the terminal or the command line.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Tier;
use crate::model::requests::RequestState;

/// What a reviewer (or toolbench on their behalf) did to a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Approve,
    Reject,
    RequestChanges,
    Promote,
    Archive,
    Restore,
    Rollback,
    Evolve,
    /// The active version made way for another (approve over it, or rollback from it).
    Supersede,
    /// An active tool's content, changed since approval or never approved here, went back to
    /// review as a new candidate; the approved content, if any, took its place again.
    Resubmit,
    /// A reviewer added a test case to a candidate (an input validation generated that broke
    /// it); the candidate's content changed.
    AddCase,
    /// A person accepted, as it is, an active tool of a workspace never opened here.
    Accept,
    /// A person took back a decision of their own (its record named in the reason, `undo of
    /// #ID`): the tool went back where that decision found it. Nothing is deleted from the log.
    Undo,
    /// An action the store records that this toolbench does not know (a newer one took it).
    /// Shown as such, never taken for one it knows: it is not undone, and its content loses
    /// its seal here (what cannot be read never makes content runnable). Never recorded: no
    /// decision of this toolbench takes it, and it is not in `DecisionAction::ALL`.
    Unknown,
}

impl DecisionAction {
    pub(crate) const ALL: &'static [DecisionAction] = &[
        DecisionAction::Approve,
        DecisionAction::Reject,
        DecisionAction::RequestChanges,
        DecisionAction::Promote,
        DecisionAction::Archive,
        DecisionAction::Restore,
        DecisionAction::Rollback,
        DecisionAction::Evolve,
        DecisionAction::Supersede,
        DecisionAction::Resubmit,
        DecisionAction::AddCase,
        DecisionAction::Accept,
        DecisionAction::Undo,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Approve => "approve",
            DecisionAction::Reject => "reject",
            DecisionAction::RequestChanges => "request_changes",
            DecisionAction::Promote => "promote",
            DecisionAction::Archive => "archive",
            DecisionAction::Restore => "restore",
            DecisionAction::Rollback => "rollback",
            DecisionAction::Evolve => "evolve",
            DecisionAction::Supersede => "supersede",
            DecisionAction::Resubmit => "resubmit",
            DecisionAction::AddCase => "add_case",
            DecisionAction::Accept => "accept",
            DecisionAction::Undo => "undo",
            DecisionAction::Unknown => "unknown",
        }
    }
}

/// What bringing the seals in line with a recorded decision does (`seal::apply_decisions`);
/// a decision that seals is also the one a reviewer's key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SealEffect {
    /// The content it makes active is sealed as what a person accepted.
    Seals,
    /// The active content it moves out loses its seal: that tool runs no more.
    Unseals,
    /// Seals stay as they are.
    Unchanged,
    /// As the move it records: content it brings into an active tier is sealed there (it is
    /// content a person accepted there before), active content it takes out of one loses its
    /// seal, and a move between inactive tiers changes none.
    FollowsMove,
}

impl DecisionAction {
    /// What recording this action does to the seal of the content it is about.
    pub(crate) const fn seal(self) -> SealEffect {
        match self {
            DecisionAction::Approve
            | DecisionAction::Promote
            | DecisionAction::Restore
            | DecisionAction::Rollback => SealEffect::Seals,
            // The acceptance writes its seals before it records them; applying its record
            // writes the same seal again.
            DecisionAction::Accept => SealEffect::Seals,
            DecisionAction::Archive | DecisionAction::Supersede | DecisionAction::Unknown => {
                SealEffect::Unseals
            }
            // A candidate has no seal to lose; a resubmission puts the approved (sealed)
            // content back where it was.
            DecisionAction::Reject
            | DecisionAction::RequestChanges
            | DecisionAction::Evolve
            | DecisionAction::Resubmit
            | DecisionAction::AddCase => SealEffect::Unchanged,
            // An undo puts a tool back where the decision it takes back found it, in or out
            // of an active tier.
            DecisionAction::Undo => SealEffect::FollowsMove,
        }
    }

    /// The kind of decision that records this action on the tool decided on; `None` for the
    /// actions no decision of the table records that way (an evolve, a superseded version,
    /// an added case, an acceptance).
    #[cfg(test)]
    pub(crate) fn kind(self) -> Option<DecisionKind> {
        DecisionKind::ALL
            .iter()
            .copied()
            .find(|k| k.spec().records == self)
    }
}

/// The decisions a person takes on one tool, as a key, a dialog and a subcommand name them.
/// Everything about each is in its row of [`DecisionKind::spec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DecisionKind {
    Approve,
    Reject,
    RequestChanges,
    Promote,
    Archive,
    Restore,
    Rollback,
    Resubmit,
}

/// What a decision's text is to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRole {
    /// Recorded with the decision; may be empty.
    OptionalReason,
    /// Recorded with the decision; refused when empty.
    RequiredReason,
    /// Written to REVIEW.md for the tool's author; refused when empty.
    Feedback,
    /// The decision takes no text.
    None,
}

/// Where a decision leaves the tool it is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Landing {
    /// In this tier.
    Tier(Tier),
    /// Where it is, as it is.
    InPlace,
    /// Back in the tier it left for archived/ (an active one only as content a person
    /// accepted there; otherwise experimental/).
    TierItLeft,
    /// In the same tier, as a version kept before (the current one is archived).
    KeptVersion,
}

/// One row of the decision table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecisionSpec {
    /// The action recorded on the tool decided on (its spelling, stored and printed, is the
    /// kind's name). A decision that makes way for content also records the version it
    /// replaces as [`DecisionAction::Supersede`].
    pub(crate) records: DecisionAction,
    /// The subcommand: `toolbench <cli_verb> NAME`.
    pub(crate) cli_verb: &'static str,
    /// How the dialog asks for it: "<verb> NAME@VERSION?".
    pub(crate) verb: &'static str,
    /// How a refusal names it: "cannot <phrase> NAME: why".
    pub(crate) phrase: &'static str,
    pub(crate) text: TextRole,
    /// Taken on a tool an agent asked for (its name, no candidate yet): the state the answer
    /// leaves the request in. `None`: the kind needs a tool to act on.
    pub(crate) request: Option<RequestState>,
    /// The tiers it is taken from, each with where it leaves the tool; any other tier is
    /// refused.
    pub(crate) moves: &'static [(Tier, Landing)],
}

impl DecisionKind {
    pub(crate) const ALL: &'static [DecisionKind] = &[
        DecisionKind::Approve,
        DecisionKind::Reject,
        DecisionKind::RequestChanges,
        DecisionKind::Promote,
        DecisionKind::Archive,
        DecisionKind::Restore,
        DecisionKind::Rollback,
        DecisionKind::Resubmit,
    ];

    /// The decision table: everything a kind is, in one place.
    pub(crate) const fn spec(self) -> DecisionSpec {
        use Landing::{InPlace, KeptVersion, TierItLeft};
        use Tier::{Approved, Archived, Core, Experimental};
        match self {
            DecisionKind::Approve => DecisionSpec {
                records: DecisionAction::Approve,
                cli_verb: "approve",
                verb: "Approve",
                phrase: "approve",
                text: TextRole::OptionalReason,
                request: Some(RequestState::Approved),
                // An active tool whose content is not what was accepted is approved where
                // it is.
                moves: &[
                    (Experimental, Landing::Tier(Approved)),
                    (Approved, InPlace),
                    (Core, InPlace),
                ],
            },
            DecisionKind::Reject => DecisionSpec {
                records: DecisionAction::Reject,
                cli_verb: "reject",
                verb: "Reject",
                phrase: "reject",
                text: TextRole::RequiredReason,
                request: Some(RequestState::Rejected),
                moves: &[(Experimental, Landing::Tier(Archived))],
            },
            DecisionKind::RequestChanges => DecisionSpec {
                records: DecisionAction::RequestChanges,
                cli_verb: "request-changes",
                verb: "Request changes to",
                phrase: "request changes to",
                text: TextRole::Feedback,
                request: Some(RequestState::ChangesRequested),
                moves: &[(Experimental, InPlace)],
            },
            DecisionKind::Promote => DecisionSpec {
                records: DecisionAction::Promote,
                cli_verb: "promote",
                verb: "Promote",
                phrase: "promote",
                text: TextRole::None,
                request: None,
                moves: &[(Approved, Landing::Tier(Core))],
            },
            DecisionKind::Archive => DecisionSpec {
                records: DecisionAction::Archive,
                cli_verb: "archive",
                verb: "Archive",
                phrase: "archive",
                text: TextRole::OptionalReason,
                request: None,
                moves: &[
                    (Core, Landing::Tier(Archived)),
                    (Approved, Landing::Tier(Archived)),
                    (Experimental, Landing::Tier(Archived)),
                ],
            },
            DecisionKind::Restore => DecisionSpec {
                records: DecisionAction::Restore,
                cli_verb: "restore",
                verb: "Restore",
                phrase: "restore",
                text: TextRole::None,
                request: None,
                moves: &[(Archived, TierItLeft)],
            },
            DecisionKind::Rollback => DecisionSpec {
                records: DecisionAction::Rollback,
                cli_verb: "rollback",
                verb: "Roll back",
                phrase: "roll back",
                text: TextRole::None,
                request: None,
                moves: &[(Core, KeptVersion), (Approved, KeptVersion)],
            },
            // The changed content goes to review; the approved content, if any, runs again.
            DecisionKind::Resubmit => DecisionSpec {
                records: DecisionAction::Resubmit,
                cli_verb: "resubmit",
                verb: "Send back to review",
                phrase: "resubmit",
                text: TextRole::None,
                request: None,
                moves: &[
                    (Core, Landing::Tier(Experimental)),
                    (Approved, Landing::Tier(Experimental)),
                ],
            },
        }
    }

    /// The kind's name: the action it records, as stored (`request_changes`).
    pub(crate) const fn name(self) -> &'static str {
        self.spec().records.as_str()
    }

    /// How the dialog asks for it ("Request changes to").
    pub(crate) const fn verb(self) -> &'static str {
        self.spec().verb
    }

    pub(crate) const fn text_role(self) -> TextRole {
        self.spec().text
    }

    /// The tiers a tool this kind is taken on may be in, in the table's order.
    pub(crate) fn taken_from(self) -> Vec<Tier> {
        self.spec().moves.iter().map(|(from, _)| *from).collect()
    }

    /// Where this kind leaves a tool taken from `from`; `None` when it refuses that tier.
    #[cfg(test)]
    pub(crate) fn landing(self, from: Tier) -> Option<Landing> {
        self.spec()
            .moves
            .iter()
            .find(|(tier, _)| *tier == from)
            .map(|(_, landing)| *landing)
    }

    /// Whether where it leaves a tool is known only from the store (the tier it left, a kept
    /// version), so a dialog reads it before naming it.
    pub(crate) fn destination_is_stored(self) -> bool {
        self.spec().moves.iter().any(|(_, landing)| match landing {
            Landing::TierItLeft | Landing::KeptVersion => true,
            Landing::Tier(_) | Landing::InPlace => false,
        })
    }

    /// What taking it does to the seal of the content decided on.
    #[cfg(test)]
    pub(crate) const fn seal(self) -> SealEffect {
        self.spec().records.seal()
    }
}

/// A word that names no decision action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision action {0:?}")]
pub struct UnknownAction(pub(crate) String);

impl FromStr for DecisionAction {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, UnknownAction> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

impl fmt::Display for DecisionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `versions`: an immutable snapshot of a version that became active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) content_hash: String,
    /// The snapshot folder, relative to the workspace root.
    pub(crate) snapshot: String,
    /// When this content last became active (RFC 3339 UTC).
    pub(crate) activated_at: String,
}

/// One row of `decisions`. `id` is 0 until stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub tool: String,
    pub action: DecisionAction,
    pub who: String,
    /// RFC 3339 UTC.
    pub at: String,
    pub reason: Option<String>,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub from_tier: Option<Tier>,
    pub to_tier: Option<Tier>,
    pub from_hash: Option<String>,
    pub to_hash: Option<String>,
}

/// How an undo takes a recorded decision back (`review::undo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UndoMove {
    /// An approval of a candidate: its content goes back to review, and the version it
    /// superseded, when that was content a person accepted, is active again.
    Unapprove,
    /// A rejection or an archive: the tool is restored to the tier it left.
    Restore,
    /// A promote: core → approved.
    Demote,
}

impl DecisionRecord {
    /// How undoing this decision takes it back, or why it cannot be (one line, saying what to
    /// do instead). Whether the tool is still as it left it is for the undo to check.
    pub(crate) fn undo_move(&self) -> Result<UndoMove, String> {
        let why = match self.action {
            DecisionAction::Approve
                if self.from_tier == Some(Tier::Experimental)
                    && self.to_tier == Some(Tier::Approved) =>
            {
                return Ok(UndoMove::Unapprove);
            }
            DecisionAction::Reject | DecisionAction::Archive => return Ok(UndoMove::Restore),
            DecisionAction::Promote => return Ok(UndoMove::Demote),
            DecisionAction::Approve => {
                "it approved an active tool's changed content where it was; roll it back instead"
                    .to_string()
            }
            DecisionAction::RequestChanges => "its feedback was written to REVIEW.md for the \
                 tool's author, who may have read it; take another decision instead"
                .to_string(),
            DecisionAction::Restore => "archive it again instead, saying why".to_string(),
            DecisionAction::Rollback => {
                let to = self.from_version.as_deref().unwrap_or("VERSION");
                format!(
                    "roll it back to {to} instead (`toolbench rollback {} --to {to}`)",
                    self.tool
                )
            }
            DecisionAction::Evolve | DecisionAction::Resubmit | DecisionAction::AddCase => {
                "it made a candidate, which waits in review; reject or archive it instead"
                    .to_string()
            }
            DecisionAction::Accept => {
                "archive the tool instead, or send its content to review".to_string()
            }
            DecisionAction::Supersede => {
                "it is part of the decision that made way for another version; undo that one"
                    .to_string()
            }
            DecisionAction::Undo => "an undo is not undone; take the decision again".to_string(),
            DecisionAction::Unknown => "this toolbench does not know what that decision did; \
                 undo it with the toolbench that took it"
                .to_string(),
        };
        Err(why)
    }

    /// "the approve of greet@1.1.0 (#12)": how an undo names the decision it takes back.
    pub(crate) fn undo_label(&self) -> String {
        format!(
            "the {} of {}@{} (#{})",
            self.action,
            self.tool,
            self.version(),
            self.id
        )
    }

    /// The version it left the tool at (else the one it found).
    pub(crate) fn version(&self) -> &str {
        self.to_version
            .as_deref()
            .or(self.from_version.as_deref())
            .unwrap_or("?")
    }

    /// `1.2.0 → 1.3.0` for a decision that changed the version, else the version it is
    /// about (`?` when the row names none).
    pub(crate) fn versions_label(&self) -> String {
        match (&self.from_version, &self.to_version) {
            (Some(from), Some(to)) if from != to => format!("{from} → {to}"),
            (_, Some(to)) => to.clone(),
            _ => "?".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_action_reads_back_from_its_stored_name() {
        for action in DecisionAction::ALL {
            assert_eq!(action.as_str().parse::<DecisionAction>(), Ok(*action));
        }
        assert_eq!(
            "quarantine".parse::<DecisionAction>(),
            Err(UnknownAction("quarantine".into()))
        );
    }

    #[test]
    fn every_kind_records_an_action_of_its_own_that_names_it() {
        let mut recorded = HashSet::new();
        for kind in DecisionKind::ALL.iter().copied() {
            let action = kind.spec().records;
            assert!(recorded.insert(action), "{kind:?} records {action} again");
            assert_eq!(kind.name().parse::<DecisionAction>(), Ok(action));
            assert_eq!(action.kind(), Some(kind));
            assert_eq!(kind.seal(), action.seal());
        }
        // What no decision of the table records is recorded by another path.
        let others: Vec<DecisionAction> = DecisionAction::ALL
            .iter()
            .copied()
            .filter(|a| a.kind().is_none())
            .collect();
        assert_eq!(
            others,
            [
                DecisionAction::Evolve,
                DecisionAction::Supersede,
                DecisionAction::AddCase,
                DecisionAction::Accept,
                DecisionAction::Undo
            ]
        );
    }

    #[test]
    fn every_kind_has_words_of_its_own_for_the_cli_and_the_dialog() {
        let (mut verbs, mut dialogs, mut phrases) =
            (HashSet::new(), HashSet::new(), HashSet::new());
        for kind in DecisionKind::ALL.iter().copied() {
            let spec = kind.spec();
            assert!(verbs.insert(spec.cli_verb), "{kind:?}: {}", spec.cli_verb);
            assert!(dialogs.insert(spec.verb), "{kind:?}: {}", spec.verb);
            assert!(phrases.insert(spec.phrase), "{kind:?}: {}", spec.phrase);
            // Subcommands are the stored names, kebab-cased: scripts and the store agree.
            assert_eq!(spec.cli_verb, kind.name().replace('_', "-"), "{kind:?}");
            assert!(
                spec.verb.starts_with(|c: char| c.is_ascii_uppercase()),
                "{kind:?}: {}",
                spec.verb
            );
        }
    }

    #[test]
    fn every_kind_moves_a_tool_from_tiers_of_its_own_to_where_its_seal_says() {
        for kind in DecisionKind::ALL.iter().copied() {
            let spec = kind.spec();
            let from = kind.taken_from();
            assert!(!from.is_empty(), "{kind:?} is taken from no tier");
            let distinct: HashSet<Tier> = from.iter().copied().collect();
            assert_eq!(distinct.len(), from.len(), "{kind:?} names a tier twice");
            for &(tier, landing) in spec.moves {
                assert_eq!(kind.landing(tier), Some(landing));
                let expected = match landing {
                    // Staying where it is is said so, not as a move into its own tier.
                    Landing::Tier(to) => {
                        assert_ne!(to, tier, "{kind:?}: {tier} → {tier}");
                        if to.is_active() {
                            Some(SealEffect::Seals)
                        } else if tier.is_active() && to == Tier::Archived {
                            // Active content archived must stop running.
                            Some(SealEffect::Unseals)
                        } else {
                            None
                        }
                    }
                    Landing::InPlace => None,
                    // Content a person accepted before becomes active again.
                    Landing::TierItLeft | Landing::KeptVersion => Some(SealEffect::Seals),
                };
                if let Some(expected) = expected {
                    assert_eq!(kind.seal(), expected, "{kind:?} from {tier}: {landing:?}");
                }
            }
            // A kind that seals makes content active; one that unseals takes it out.
            let lands_active = spec.moves.iter().any(|(from, landing)| match landing {
                Landing::Tier(to) => to.is_active(),
                Landing::InPlace => from.is_active(),
                Landing::TierItLeft | Landing::KeptVersion => true,
            });
            match kind.seal() {
                SealEffect::Seals => assert!(lands_active, "{kind:?} seals nothing active"),
                SealEffect::Unseals => assert!(
                    spec.moves
                        .iter()
                        .any(|(from, to)| from.is_active() && *to == Landing::Tier(Tier::Archived)),
                    "{kind:?} unseals but takes nothing active out"
                ),
                SealEffect::Unchanged => {}
                // Only an undo follows its move, and no kind of the table records one.
                SealEffect::FollowsMove => panic!("{kind:?} records an undo"),
            }
        }
    }

    /// Approved = reviewed (DESIGN §10): the lifecycle takes the tiers of each step from this
    /// table, so a row letting a candidate into an active tier would let it run unreviewed.
    #[test]
    fn only_an_approval_makes_a_candidate_active() {
        for kind in DecisionKind::ALL.iter().copied() {
            for &(from, landing) in kind.spec().moves {
                match landing {
                    Landing::Tier(to) if to.is_active() && !from.is_active() => {
                        assert_eq!(kind, DecisionKind::Approve, "{kind:?}: {from} → {to}");
                    }
                    Landing::KeptVersion => {
                        assert!(from.is_active(), "{kind:?} rolls back {from}");
                    }
                    // A restore brings back to an active tier only content accepted there.
                    Landing::TierItLeft => assert_eq!(from, Tier::Archived, "{kind:?}"),
                    Landing::Tier(_) | Landing::InPlace => {}
                }
            }
        }
    }

    #[test]
    fn only_the_kinds_that_ask_for_code_answer_a_tool_request() {
        for kind in DecisionKind::ALL.iter().copied() {
            let spec = kind.spec();
            if spec.request.is_some() {
                // A request is answered before any code exists: as the candidate would be.
                assert_eq!(kind.taken_from()[0], Tier::Experimental, "{kind:?}");
                assert_ne!(spec.request, Some(RequestState::Pending), "{kind:?}");
            }
        }
        let answers: Vec<RequestState> = DecisionKind::ALL
            .iter()
            .filter_map(|k| k.spec().request)
            .collect();
        for (i, answer) in answers.iter().enumerate() {
            assert!(
                !answers[..i].contains(answer),
                "two kinds answer {answer:?}"
            );
        }
    }
}

/// Where a restore or a rollback would take a tool (`review::lifecycle::destination`): the
/// tier a restore brings it back to, or the version a rollback makes active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Tier(Tier),
    Version {
        version: String,
        content_hash: String,
    },
}

/// What an evolve is doing while it lasts, for whoever waits on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvolveProgress {
    /// The evolver program was started on `tool` (`name@version`); it may take up to its
    /// timeout.
    EvolverRunning {
        tool: String,
        command: String,
        timeout: Duration,
    },
}
