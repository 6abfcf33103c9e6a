// Package wasmbin reads and rewrites the WebAssembly binary format, just far
// enough for the udf host: it walks sections, lists imports, exports and
// custom sections, and instruments a module so that a runaway guest yields to
// the host (see Instrument). Every opcode's immediates are understood, so
// code bodies are re-encoded exactly except where an instruction is changed.
package wasmbin
