//! The simulation contract on Weft's interpreter: its own simulator.

use weft_air::sim::{SimOptions, SimReport, simulate};

use crate::report::{Call, RunReport};

/// Runs the flow with Weft's simulator. Only this call is timed; converting its
/// report is not.
pub(crate) fn run(source: &str, options: &SimOptions) -> Result<SimReport, String> {
    simulate(source, options).map_err(|error| format!("weft: {error}"))
}

pub(crate) fn to_run_report(report: SimReport) -> RunReport {
    RunReport {
        calls: report
            .calls
            .into_iter()
            .map(|call| Call {
                peer: call.peer,
                service: call.service,
                function: call.function,
                args: call.args,
            })
            .collect(),
        peers: report
            .peers
            .into_iter()
            .map(|(name, status)| (name, (status.ret_code, status.error.unwrap_or_default())))
            .collect(),
        deliveries: 0,
        runs: 0,
        step_limit: report.step_limit,
    }
}
