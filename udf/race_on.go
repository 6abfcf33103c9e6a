//go:build race

package udf

// raceSlowdown scales the default compile timeout: under the race detector
// wazero's compiler (Go code) runs about 20 times slower (the 2.7 MB Go
// guest: 34 s instead of 1.6 s).
const raceSlowdown = 20
