// Package udf owns velort's WebAssembly user functions: one wazero runtime
// per process (Host), loading and checking modules against the "velort/1"
// ABI and their manifests (Module), and per-partition instances that call
// scalar, aggregate and batch entry points from the hot loop without
// allocating (Instance).
//
// The sandbox grants no filesystem, network, environment or real clock
// unless Limits say so, caps linear memory, and bounds every call's running
// time: at load, each module is rewritten so that every function entry and
// loop header spends fuel and, when it runs out, calls the host, which stops
// the call once its deadline has passed (see internal/wasmbin). A fault
// (trap, timeout, memory limit, denied capability) returns a *CallError and
// the Instance replaces its wasm instance before the next call.
//
// udf knows nothing of SQL text or of the runtime package: it deals in its
// own Type, Signature and Arg.
package udf
