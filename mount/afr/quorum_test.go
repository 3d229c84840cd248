package afr

import "testing"

func TestQuorum(t *testing.T) {
	b := func(v ...int) []bool {
		out := make([]bool, len(v))
		for i, x := range v {
			out[i] = x == 1
		}
		return out
	}
	for _, tc := range []struct {
		q    quorum
		ok   []bool
		want bool
	}{
		{quorum{kind: QuorumAuto, n: 3}, b(1, 1, 0), true},
		{quorum{kind: QuorumAuto, n: 3}, b(0, 1, 1), true},
		{quorum{kind: QuorumAuto, n: 3}, b(0, 0, 1), false},
		{quorum{kind: QuorumAuto, n: 2}, b(1, 0), true},
		{quorum{kind: QuorumAuto, n: 2}, b(0, 1), false},
		{quorum{kind: QuorumAuto, n: 4}, b(1, 1, 0, 0), true},
		{quorum{kind: QuorumAuto, n: 4}, b(0, 0, 1, 1), false},
		{quorum{kind: QuorumAuto, n: 4}, b(0, 1, 1, 1), true},
		{quorum{kind: QuorumFixed, count: 3, n: 3}, b(1, 1, 0), false},
		{quorum{kind: QuorumFixed, count: 1, n: 3}, b(0, 0, 1), true},
		{quorum{kind: QuorumNone, n: 3}, b(0, 0, 1), true},
		{quorum{kind: QuorumNone, n: 3}, b(0, 0, 0), false},
	} {
		if got := tc.q.met(tc.ok); got != tc.want {
			t.Errorf("%+v met(%v) = %v, want %v", tc.q, tc.ok, got, tc.want)
		}
	}
}
