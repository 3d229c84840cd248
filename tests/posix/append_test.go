package posix

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func appendChecks() []check {
	return []check{
		{"two_processes", appendTwoProcesses},
		{"two_descriptors", appendTwoDescriptors},
	}
}

const (
	appendRecords = 600
	appendSize    = 100
)

// appendTwoProcesses: two processes appending records through their own
// O_APPEND descriptors at the same time lose nothing and tear nothing.
func appendTwoProcesses(t *testing.T, d string) {
	p := j(d, "log")
	create(t, p, 0o644)
	a, b := asRoot(t), asRoot(t)
	a.send(request{Op: "append", Path: p, Data: []byte("A"), N: appendRecords, Len: appendSize})
	b.send(request{Op: "append", Path: p, Data: []byte("B"), N: appendRecords, Len: appendSize})
	wantOK(t, a.recv().err(), "A: appending")
	wantOK(t, b.recv().err(), "B: appending")
	checkAppendLog(t, p, []string{"A", "B"})
}

// appendTwoDescriptors: the same from two descriptors of one process,
// written alternately.
func appendTwoDescriptors(t *testing.T, d string) {
	p := j(d, "log")
	create(t, p, 0o644)
	fa := open(t, p, unix.O_WRONLY|unix.O_APPEND, 0)
	defer closeFd(t, fa)
	fb := open(t, p, unix.O_WRONLY|unix.O_APPEND, 0)
	defer closeFd(t, fb)
	for i := 0; i < appendRecords; i++ {
		writeAll(t, fa, appendRecord("A", i, appendSize))
		writeAll(t, fb, appendRecord("B", i, appendSize))
	}
	checkAppendLog(t, p, []string{"A", "B"})
}

// checkAppendLog checks that the file holds each writer's records exactly
// once, whole, in each writer's order.
func checkAppendLog(t *testing.T, p string, writers []string) {
	t.Helper()
	data := readFile(t, p)
	if want := len(writers) * appendRecords * appendSize; len(data) != want {
		t.Errorf("log size %d, want %d (%d writers × %d records × %d bytes)", len(data), want, len(writers), appendRecords, appendSize)
	}
	next := map[string]int{}
	for i := 0; i+appendSize <= len(data); i += appendSize {
		rec := data[i : i+appendSize]
		fields := strings.Fields(string(rec))
		if len(fields) < 2 || rec[appendSize-1] != '\n' || bytes.Count(rec, []byte("\n")) != 1 {
			t.Fatalf("torn record at offset %d: %q", i, rec)
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatalf("bad record at offset %d: %q", i, rec)
		}
		if n != next[fields[0]] {
			t.Fatalf("record at offset %d is %s #%d, want #%d: a record was lost or repeated", i, fields[0], n, next[fields[0]])
		}
		next[fields[0]]++
	}
	for _, w := range writers {
		if next[w] != appendRecords {
			t.Errorf("writer %s: %d records found, want %d", w, next[w], appendRecords)
		}
	}
	if len(next) != len(writers) {
		t.Errorf("records from writers %v, want %v", fmt.Sprint(next), writers)
	}
}
