//go:build race

package partition

// raceOn: the race detector is on (allocation counts include its own).
const raceOn = true
