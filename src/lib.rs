//! mitralsim: a lumped-parameter simulator of mitral regurgitation and its transcatheter
//! edge-to-edge repair (MitraClip).
//!
//! Data flows one way: scenario file → validated parameters ([`model::ModelParams`]) → circuit
//! ([`model::Circuit`]) → solver ([`solver`]) → sampled beat ([`beat`]) → metrics ([`metrics`])
//! → writers ([`output`]).

pub mod beat;
pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod metrics;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod simulate;
pub mod solver;
pub mod sweep;
pub mod units;
