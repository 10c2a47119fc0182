//! The store's repair (`toolbench doctor`): checked, and made whole again while the doctor's
//! lock keeps a second doctor out. It works beneath the door's commands on purpose: the store
//! it mends may not open.

use crate::doctor::{DoctorLock, Findings, LockError, RepairError, RepairReport};

impl super::Workbench {
    /// The doctor's lock on this workspace's state, held until dropped: a second doctor is
    /// refused meanwhile.
    pub(crate) fn lock_for_repair(&self) -> Result<DoctorLock, LockError> {
        DoctorLock::take(&crate::workspace::state_dir(self.root()))
    }

    /// What the store, its log, the journal and the runs left in flight look like now.
    pub(crate) fn check_store(&self) -> Findings {
        crate::doctor::check(self.root())
    }

    /// Repairs what `findings` found; take `lock_for_repair` first.
    pub(crate) fn repair_store(&self, findings: &Findings) -> Result<RepairReport, RepairError> {
        crate::doctor::repair(self.root(), self.config(), findings)
    }
}
