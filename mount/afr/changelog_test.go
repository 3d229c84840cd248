package afr

import (
	"reflect"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

func matrix(rows ...[]uint32) Matrix {
	m := Matrix{Acc: rows, Known: make([]bool, len(rows))}
	for i, r := range rows {
		m.Known[i] = r != nil
		if r == nil {
			m.Acc[i] = make([]uint32, len(rows))
		}
	}
	return m
}

func TestAnalyze(t *testing.T) {
	arbiter := []bool{false, false, true}
	for _, tc := range []struct {
		name    string
		m       Matrix
		exclude []bool
		want    Verdict
	}{
		{"clean", matrix([]uint32{0, 0, 0}, []uint32{0, 0, 0}, []uint32{0, 0, 0}), nil,
			Verdict{Sources: []int{0, 1, 2}}},
		{"one brick missed a write", matrix([]uint32{0, 0, 1}, []uint32{0, 0, 1}, []uint32{0, 0, 0}), nil,
			Verdict{Sources: []int{0, 1}, Sinks: []int{2}}},
		{"missed while down, pre-op before it died", matrix([]uint32{0, 0, 1}, []uint32{0, 0, 1}, []uint32{1, 1, 1}), nil,
			Verdict{Sources: []int{0, 1}, Sinks: []int{2}}},
		{"op failed on one brick that stayed up", matrix([]uint32{0, 0, 1}, []uint32{0, 0, 1}, []uint32{0, 0, 1}), nil,
			Verdict{Sources: []int{0, 1}, Sinks: []int{2}}},
		{"split-brain replica 2", matrix([]uint32{0, 1}, []uint32{1, 0}), nil,
			Verdict{Sinks: []int{0, 1}, SplitBrain: true}},
		{"split-brain three ways", matrix([]uint32{0, 1, 1}, []uint32{1, 0, 1}, []uint32{0, 0, 0}), nil,
			Verdict{Sinks: []int{0, 1, 2}, SplitBrain: true}},
		{"interrupted everywhere", matrix([]uint32{1, 1, 1}, []uint32{1, 1, 1}, []uint32{1, 1, 1}), nil,
			Verdict{Sinks: []int{0, 1, 2}, AllFools: true}},
		{"post-op reached one brick", matrix([]uint32{0, 0, 0}, []uint32{1, 1, 1}, []uint32{1, 1, 1}), nil,
			Verdict{Sources: []int{0}, Sinks: []int{1, 2}}},
		{"a down brick says nothing", matrix([]uint32{0, 1, 1}, nil, []uint32{0, 0, 0}), nil,
			Verdict{Sources: []int{0}, Sinks: []int{2}}},
		{"arbiter witnesses but is no data source", matrix([]uint32{0, 1, 0}, []uint32{0, 0, 0}, []uint32{0, 1, 0}), arbiter,
			Verdict{Sources: []int{0}, Sinks: []int{1}}},
		{"arbiter the only good copy", matrix([]uint32{0, 1, 0}, []uint32{1, 0, 0}, []uint32{1, 1, 0}), arbiter,
			Verdict{Sinks: []int{0, 1}, SplitBrain: true}},
		{"arbiter and a stale data brick", matrix([]uint32{0, 0, 0}, nil, []uint32{1, 0, 0}), arbiter,
			Verdict{Sinks: []int{0}, SplitBrain: true, ExcludedOnly: true}},
		{"data bricks accuse each other, the arbiter one of them", matrix([]uint32{0, 1, 0}, []uint32{1, 0, 0}, []uint32{0, 1, 0}), arbiter,
			Verdict{Sinks: []int{0, 1}, SplitBrain: true}},
		{"arbiter alone", matrix(nil, nil, []uint32{0, 0, 0}), arbiter,
			Verdict{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Analyze(tc.m, tc.exclude)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Analyze = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewMatrix(t *testing.T) {
	ids := []string{"a", "b", "c"}
	pending := [][]fop.Pending{
		{{BrickID: "c", Data: 2, Metadata: 1}, {BrickID: "gone", Data: 9}},
		nil,
		{{BrickID: "a", Entry: 3}},
	}
	m := NewMatrix(Data, ids, pending, []bool{true, false, true})
	want := [][]uint32{{0, 0, 2}, {0, 0, 0}, {0, 0, 0}}
	if !reflect.DeepEqual(m.Acc, want) || !reflect.DeepEqual(m.Known, []bool{true, false, true}) {
		t.Fatalf("data matrix %v %v", m.Acc, m.Known)
	}
	if e := NewMatrix(Entry, ids, pending, []bool{true, false, true}); e.Acc[2][0] != 3 || e.Acc[0][2] != 0 {
		t.Fatalf("entry matrix %v", e.Acc)
	}
}
