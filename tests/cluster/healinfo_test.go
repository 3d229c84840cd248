package cluster_test

import (
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestParseHealInfo(t *testing.T) {
	const g = "0b6c1a53-8f0e-4a51-9f9e-1c2d3e4f5a6b"
	cases := []struct {
		name       string
		out        string
		pending    int
		splitBrain []cluster.HealEntry
	}{
		{"clean", `{"bricks":[{"brick":"h:1/b1","entries":[]},{"brick":"h:2/b2","entries":null}],"split_brain":[]}`, 0, nil},
		{"paths and gfids", `{"bricks":[{"brick":"b1","entries":["/a","` + g + `"]},{"brick":"b2","entries":[{"path":"/c","gfid":"` + g + `"}]}]}`, 3, nil},
		{"count only", `{"bricks":[{"name":"b1","count":7}]}`, 7, nil},
		{"split-brain on top", `{"bricks":[{"brick":"b1","entries":["/f"]}],"split-brain":["/f"]}`, 1, []cluster.HealEntry{{Path: "/f"}}},
		{"split-brain per brick", `{"bricks":[{"brick":"b1","entries":["/f"],"split_brain":[{"path":"/f"}]},{"brick":"b2","entries":["/f"],"split_brain":[{"path":"/f"}]}]}`, 2, []cluster.HealEntry{{Path: "/f"}}},
		{"split-brain only", `{"split_brain":["gfid:` + g + `"]}`, 0, []cluster.HealEntry{{GFID: g}}},
		{"a list of bricks", `[{"brick":"b1","entries":["/x"]}]`, 1, nil},
		{"mount/heal Info", `{"set":"vol-set-0","bricks":[{"brick":"h:1/b1","id":"x","connected":true,"entries":[{"gfid":"` + g + `","path":"/f","pending":["data"],"split_brain":["data"]}],"split_brain":[{"gfid":"` + g + `","path":"/f"}]},{"brick":"h:2/b2","connected":false,"error":"not connected","entries":[],"split_brain":[]}]}`, 1, []cluster.HealEntry{{Path: "/f", GFID: g}}},
		{"a list of sets", `[{"set":"s0","bricks":[{"brick":"b1","entries":[{"gfid":"` + g + `","path":"/a"}],"split_brain":[]}]},{"set":"s1","bricks":[{"brick":"b4","entries":[{"gfid":"` + g + `","path":"/b"}],"split_brain":[]}]}]`, 2, nil},
		{"sets", `{"sets":[{"set":"s0","bricks":[{"brick":"b1","entries":[],"split_brain":[]}]},{"set":"s1","bricks":[{"brick":"b4","entries":["/b"],"split_brain":[]}]}]}`, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := cluster.ParseHealInfo([]byte(c.out))
			if err != nil {
				t.Fatal(err)
			}
			if h.Pending() != c.pending {
				t.Errorf("Pending() = %d, want %d", h.Pending(), c.pending)
			}
			if len(h.SplitBrain) != len(c.splitBrain) {
				t.Fatalf("split-brain %v, want %v", h.SplitBrain, c.splitBrain)
			}
			for i := range c.splitBrain {
				if h.SplitBrain[i] != c.splitBrain[i] {
					t.Errorf("split-brain %v, want %v", h.SplitBrain, c.splitBrain)
				}
			}
		})
	}
	for out, clean := range map[string]bool{
		`{"set":"s","bricks":[{"brick":"b1","connected":true,"entries":[],"split_brain":[]}]}`:                          true,
		`{"set":"s","bricks":[{"brick":"b1","connected":false,"error":"not connected","entries":[],"split_brain":[]}]}`: false,
		`{"set":"s","bricks":[{"brick":"b1","connected":true,"entries":["/x"],"split_brain":[]}]}`:                      false,
	} {
		h, err := cluster.ParseHealInfo([]byte(out))
		if err != nil || h.Clean() != clean {
			t.Errorf("Clean() of %s = %v (%v), want %v", out, !clean, err, clean)
		}
	}
	h, _ := cluster.ParseHealInfo([]byte(`{"bricks":[],"split_brain":["/d/f"]}`))
	if !h.InSplitBrain("d/f", "") || h.InSplitBrain("/d", "") {
		t.Errorf("InSplitBrain on %v", h.SplitBrain)
	}
	for _, bad := range []string{``, `"text"`, `{"status":"ok"}`, `{"bricks":{"b1":[]}}`, `{"bricks":[{"entries":[3]}]}`, `[{"set":"s0"}]`, `{"sets":{}}`, `[1]`} {
		if _, err := cluster.ParseHealInfo([]byte(bad)); err == nil {
			t.Errorf("ParseHealInfo(%q) accepted it", bad)
		}
	}
}
