//! The action vocabulary: what a key can ask for, and where (the contexts a binding applies in).
//! Keymap names and help texts live here.

use crate::model::decisions::DecisionKind;

/// Where a binding applies. Lookups try the most specific context first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum KeyContext {
    Global,
    Navigation,
    Catalog,
    Output,
    Failures,
    Review,
    /// A resource view (`:runs` …).
    Resource,
    Detail,
    Dialog,
}

impl KeyContext {
    pub(super) const ALL: &'static [KeyContext] = &[
        KeyContext::Global,
        KeyContext::Navigation,
        KeyContext::Catalog,
        KeyContext::Output,
        KeyContext::Failures,
        KeyContext::Review,
        KeyContext::Resource,
        KeyContext::Detail,
        KeyContext::Dialog,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Navigation => "navigation",
            KeyContext::Catalog => "catalog",
            KeyContext::Output => "output",
            KeyContext::Failures => "failures",
            KeyContext::Review => "review",
            KeyContext::Resource => "resource",
            KeyContext::Detail => "detail",
            KeyContext::Dialog => "dialog",
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            KeyContext::Global => "Everywhere",
            KeyContext::Navigation => "Lists and views",
            KeyContext::Catalog => "Catalog",
            KeyContext::Output => "Output",
            KeyContext::Failures => "Failures",
            KeyContext::Review => "Review",
            KeyContext::Resource => "Resource views (:runs …)",
            KeyContext::Detail => "Tool detail",
            KeyContext::Dialog => "Dialogs (launch, mark failure)",
        }
    }

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl Action {
    /// The key that asks for `kind`: one action per kind of the decision table, its keymap
    /// name the kind's name. A new kind does not compile until it has its key here.
    pub(crate) const fn asking_for(kind: DecisionKind) -> Action {
        match kind {
            DecisionKind::Approve => Action::Approve,
            DecisionKind::Reject => Action::Reject,
            DecisionKind::RequestChanges => Action::RequestChanges,
            DecisionKind::Promote => Action::Promote,
            DecisionKind::Archive => Action::Archive,
            DecisionKind::Restore => Action::Restore,
            DecisionKind::Rollback => Action::Rollback,
            DecisionKind::Resubmit => Action::Resubmit,
        }
    }

    /// The review decision this key asks for, if it is one.
    pub(crate) fn decision(self) -> Option<DecisionKind> {
        DecisionKind::ALL
            .iter()
            .copied()
            .find(|kind| Action::asking_for(*kind) == self)
    }
}

/// Declares the actions with their keymap names and help descriptions.
macro_rules! actions {
    ($($variant:ident => $name:literal, $help:literal;)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),+ }

        impl Action {
            pub(crate) const ALL: &'static [Action] = &[$(Action::$variant),+];

            /// The name used in `keymap.toml`: finding a key matches it too.
            pub(crate) fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),+ }
            }

            /// One line for the help overlay.
            pub(crate) fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),+ }
            }

            pub(crate) fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)+ _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "Quit toolbench";
    Help => "help", "Show or hide this help";
    NextPane => "next_pane", "Focus the next pane";
    PrevPane => "prev_pane", "Focus the previous pane";
    FocusCatalog => "focus_catalog", "Focus the Catalog pane";
    FocusOutput => "focus_output", "Focus the Output pane";
    FocusFailures => "focus_failures", "Focus the Failures pane";
    FocusReview => "focus_review", "Focus the Review pane";
    Rescan => "rescan", "Scan the workspace and read the history again";
    Zoom => "zoom", "Give the focused pane the whole screen, or give the screen back";
    Undo => "undo", "Undo the last decision taken here (asks first): an approval goes back to review, a rejection or an archive is restored, a promote demoted";
    Stats => "stats", "Workspace stats and the quality ranking";
    Suggestions => "suggestions", "Tools worth building or changing, from the run history (a accept, x dismiss)";
    CommandLine => "command_line", "Open a resource view by name: runs, history, calls, services, validations (tab completes)";
    AcceptWorkspace => "accept_workspace", "Accept a never-opened workspace's active tools as they are";
    PauseValidation => "pause_validation", "Pause background validation, or go on where it stopped";
    Palette => "palette", "Find an action that applies here by what it does, and run it";
    Pair => "pair", "Pair a phone or a browser with the review page: a one-time link and its QR code";
    Log => "log", "This session's messages with their time: runs, decisions, errors and notices";
    Again => "again", "Run the last run again with the same input (asks first when its tool does)";
    Copy => "copy", "Copy the selection: an output line, a run's input, a content hash, a call's arguments";
    Down => "down", "Move down";
    Up => "up", "Move up";
    First => "first", "Jump to the first item";
    Last => "last", "Jump to the last item";
    PageDown => "page_down", "Move one page down";
    PageUp => "page_up", "Move one page up";
    Open => "open", "Open the selected item";
    Close => "close", "Close the overlay or clear the filter";
    Filter => "filter", "Filter the catalog (fuzzy) or a resource view (every word must match)";
    Sort => "sort", "Change the catalog order (name, tier, quality)";
    Launch => "run", "Run the selected tool (opens the launch dialog)";
    Details => "details", "Show the selected tool's manifest, source and files";
    FailureDetail => "failure_detail", "Show the selected failure: tool, version, severity, scenario, error and its run";
    Cancel => "cancel", "Cancel the selected run";
    MarkFailure => "mark_failure", "Mark a failure by hand for the selected run";
    StopInstance => "stop_instance", "Stop the selected service instance";
    SendMessage => "send_message", "Send a message to the selected service instance";
    NextRun => "next_run", "Show the next run";
    PrevRun => "prev_run", "Show the previous run";
    Pager => "pager", "Read the run's whole log, as recorded, in your own pager ($PAGER); without one, the pane zoomed";
    RunInfo => "run_info", "Show the run's header whole (every sandbox protection), or fold it again";
    Wrap => "wrap", "Wrap long lines over several rows, or cut them at the edge again";
    ScrollRight => "scroll_right", "Scroll long lines right (8 columns)";
    ScrollLeft => "scroll_left", "Scroll long lines left (8 columns)";
    ScrollHome => "scroll_home", "Scroll back to the start of the lines";
    Search => "search", "Search the text (ignoring case): enter jumps to the first match, esc cancels";
    NextMatch => "next_match", "Jump to the next match of the search";
    PrevMatch => "prev_match", "Jump to the previous match of the search";
    SideBySide => "side_by_side", "Show the diff side by side (old left, new right) where the overlay is 120 columns or wider, or unified again";
    Submit => "submit", "Run / save the dialog";
    NextFile => "next_file", "Next file in the evolve editor";
    PrevFile => "prev_file", "Previous file in the evolve editor";
    OlderInput => "older_input", "An older input of the tool in the launch dialog (also up on its first row)";
    NewerInput => "newer_input", "A newer input in the launch dialog, then back to yours (also down on its last row)";
    NextField => "next_field", "Next field of the dialog";
    PrevField => "prev_field", "Previous field of the dialog";
    Grant => "grant", "Grant an unreviewed tool what it declares, for this run (asks for its name)";
    ToggleMark => "toggle_mark", "Mark or unmark the candidate, to approve or reject every marked one at once";
    Approve => "approve", "Approve the candidate (asks for an optional reason), or the agent call once";
    ApproveAlways => "approve_always", "Approve the agent call and leave a rule for the next ones of this tool version";
    Reject => "reject", "Reject the candidate or the agent call (asks for a reason)";
    RequestChanges => "request_changes", "Request changes: feedback goes to REVIEW.md";
    Promote => "promote", "Promote an approved tool to core";
    Archive => "archive", "Archive the tool, or revoke a rule";
    Restore => "restore", "Restore an archived tool to the tier it left";
    Rollback => "rollback", "Make the previous version active again";
    Evolve => "evolve", "Evolve: edit the tool's files with a hint into a new candidate; on an agent call, edit its arguments and approve";
    Editor => "editor", "Evolve in your own editor ($VISUAL or $EDITOR): the tool's files open there, then the hint; in the evolve dialog, the files as edited so far";
    AddCase => "add_case", "Make the selected failure of the generated inputs (Checks tab) a test case of the candidate";
    Validate => "validate", "Validate the tool again";
    Resubmit => "resubmit", "Send an active tool's changed content back to review as a new candidate (the approved content runs again)";
    NextSection => "next_section", "Next section of the tool detail";
    PrevSection => "prev_section", "Previous section of the tool detail";
}

impl Action {
    /// The help line of the action where `context`'s keys are read: what it does there,
    /// when that says more than the action's own line.
    pub(crate) fn help_in(self, context: KeyContext) -> &'static str {
        match (context, self) {
            (KeyContext::Resource, Action::Open) => {
                "Open the selected row: a failed run's failure, a run's or decision's tool detail, a call in Review, an instance in Output"
            }
            (KeyContext::Resource, Action::CommandLine) => {
                "Switch to another resource view by name (tab completes)"
            }
            (KeyContext::Resource, Action::Close) => "Clear the filter, then close the view",
            (KeyContext::Resource, Action::Pager) => {
                "In :runs, read the selected run's whole log in your own pager ($PAGER)"
            }
            (KeyContext::Review, Action::Close) => "Clear the marks set with space",
            _ => self.help(),
        }
    }

    /// A decision on a tool (or validating it again), which the tool detail and the review
    /// overlay take from the pane they were opened from.
    pub(crate) fn is_decision(self) -> bool {
        self.decision().is_some() || matches!(self, Action::Evolve | Action::Validate)
    }
}
