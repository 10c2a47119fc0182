//! The library's jobs as the app's events: what a run, a scan or a validation tells becomes an
//! `AppEvent`, and nothing more; the state changes they cause stay in `App::update`.

use super::app::AppEvent;
use crate::jobs::scan::ScanEvent;
use crate::jobs::validation::ValidationEvent;

pub fn from_scan(event: ScanEvent) -> AppEvent {
    match event {
        ScanEvent::Progress { done, total } => AppEvent::ScanProgress { done, total },
        ScanEvent::Finished { entries, elapsed } => AppEvent::ScanFinished { entries, elapsed },
    }
}

pub fn from_validation(event: ValidationEvent) -> AppEvent {
    match event {
        ValidationEvent::Validated { path, report } => AppEvent::Validated { path, report },
        ValidationEvent::Refused { tool, error } => {
            AppEvent::Decided(Err(format!("validation of {tool}: {error}")))
        }
    }
}
