package cluster

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// tailLines is how much of each log a failing test prints.
const tailLines = 60

// logOnFailure prints the tail of the log at path when the test has failed.
// Register it before the cleanup that stops the process writing the log, so
// that it runs after it (cleanups run last-in first-out).
func logOnFailure(t testing.TB, what, path string) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s (%s), last %d lines:\n%s", what, path, tailLines, Tail(path, tailLines))
		}
	})
}

// Tail returns the last n lines of the file at path, or a note saying why
// it cannot be read.
func Tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(data) == 0 {
		return "(empty)"
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// waitFor polls cond every few milliseconds until it returns true or the
// bound passes; it reports whether cond became true. This is how the
// harness waits for a state: never a fixed sleep.
func waitFor(bound time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(bound)
	delay := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// WaitFor is waitFor for tests: it fails the test with what when cond does
// not hold within bound.
func WaitFor(t testing.TB, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	if !waitFor(bound, cond) {
		t.Fatalf("timed out after %v waiting for %s", bound, what)
	}
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
