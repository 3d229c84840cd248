//go:build race

package heal_test

// raceEnabled: the race detector slows big copies down about five times.
const raceEnabled = true
