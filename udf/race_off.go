//go:build !race

package udf

// raceSlowdown scales the default compile timeout (see race_on.go).
const raceSlowdown = 1
