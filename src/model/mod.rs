//! The physics: a closed-loop, lumped-parameter circulation around a leaky mitral valve.
//!
//! Why a module of its own: physics code never sees scenario files or output formats. It takes
//! validated [`params::ModelParams`] and exposes one ODE right-hand side ([`circuit::Circuit`]),
//! the state layout ([`state`]) and the algebraic observables (pressures, flows, areas) that the
//! metrics and writers read. Equations: docs/model.md.

pub mod chamber;
pub mod circuit;
pub mod clip;
pub mod leak;
pub mod params;
pub mod reflex;
pub mod repair;
pub mod state;
pub mod timing;
pub mod valve;

pub use circuit::{Circuit, Observables};
pub use params::ModelParams;
pub use state::{State, N_STATE};
