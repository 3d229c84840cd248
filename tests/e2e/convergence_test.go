package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// converged waits until every daemon of ds shows the same pool and
// volumes, and returns that state.
func converged(t *testing.T, ds []*cluster.Daemon, what string) poolState {
	t.Helper()
	var last []poolState
	cluster.WaitFor(t, poolBound, what, func() bool {
		last = statesOf(t, ds)
		for _, s := range last[1:] {
			if s.volumes != last[0].volumes {
				return false
			}
		}
		return true
	})
	return last[0]
}

// volumeNames are the volumes of `volume list --json` on d.
func volumeNames(t *testing.T, d *cluster.Daemon) []string {
	t.Helper()
	var reply struct {
		Volumes []string `json:"volumes"`
	}
	if r, err := d.JSON(t, &reply, "volume", "list"); err != nil {
		t.Fatalf("volume list on %s: %v\n%s", d, err, r)
	}
	return reply.Volumes
}

// TestPoolConvergence: a peer that was down while volumes were created,
// set, started, stopped and deleted catches up when it returns, with the
// state of the others; two peers creating one volume name with different
// bricks at the same moment end with exactly one volume, the same on every
// peer, and the loser is told why.
func TestPoolConvergence(t *testing.T) {
	ds := cluster.StartDaemons(t, 3)
	cluster.FormPool(t, ds)
	ds[0].MustCLI(t, "volume", "create", "gone", ds[0].BrickPath("gone"), ds[1].BrickPath("gone"))
	converged(t, ds, "volume gone on every peer")

	ds[2].Stop()
	ds[0].MustCLI(t, "volume", "create", "docs", ds[0].BrickPath("docs"), ds[1].BrickPath("docs"))
	ds[1].MustCLI(t, "volume", "set", "docs", "performance.attribute-timeout", "7")
	ds[0].MustCLI(t, "volume", "start", "docs")
	ds[1].MustCLI(t, "volume", "create", "tmp", ds[0].BrickPath("tmp"), ds[1].BrickPath("tmp"))
	ds[0].MustCLI(t, "volume", "delete", "tmp")
	ds[1].MustCLI(t, "volume", "delete", "gone")
	want := statesOf(t, ds[:2])[0]

	ds[2].Restart()
	cluster.WaitPool(t, ds[2], 3, poolBound)
	got := converged(t, ds, "the returned peer to catch up")
	if got.volumes != want.volumes {
		t.Errorf("state after peer 3 returned:\n%s\nwant what peers 1 and 2 had:\n%s", got.volumes, want.volumes)
	}
	if names := volumeNames(t, ds[2]); strings.Join(names, ",") != "docs" {
		t.Errorf("volume list on the returned peer: %v, want [docs]", names)
	}
	if v := ds[2].MustCLI(t, "volume", "get", "docs", "performance.attribute-timeout", "--json"); !optionIs(t, v, "performance.attribute-timeout", "7") {
		t.Errorf("option set while peer 3 was down, as it reads it: %s", v)
	}
	cluster.WaitBricksOnline(t, ds[2], "docs", 2, poolBound)

	// Two creates of one name, on two peers, with disjoint bricks.
	ctx := t.Context()
	type run struct {
		cmd      *exec.Cmd
		out, err bytes.Buffer
	}
	var runs []*run
	for i, d := range ds[:2] {
		r := &run{}
		args := []string{"volume", "create", "www", "replica", "3"}
		for _, b := range ds {
			args = append(args, b.BrickPath(fmt.Sprintf("www%d", i)))
		}
		r.cmd = exec.CommandContext(ctx, cluster.Bin(t), append(args, "--socket", d.Socket, "--json")...)
		r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.err
		runs = append(runs, r)
	}
	for _, r := range runs {
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	won := -1
	for i, r := range runs {
		err := r.cmd.Wait()
		t.Logf("create www on %s: %v\n%s%s", ds[i], err, r.out.String(), r.err.String())
		switch {
		case err == nil:
			if won >= 0 {
				t.Errorf("both creates of www succeeded")
			}
			won = i
		case r.cmd.ProcessState.ExitCode() != 1 || !strings.Contains(r.err.String(), "volume www already exists"):
			t.Errorf("the losing create: %v, %q; want exit 1 and \"volume www already exists\"", err, r.err.String())
		}
	}
	if won < 0 {
		t.Fatal("neither create of www succeeded")
	}
	converged(t, ds, "every peer to agree on www")
	for _, d := range ds {
		lost := filepath.Join(d.BrickDir, fmt.Sprintf("www%d", 1-won))
		if _, err := os.Lstat(lost); !os.IsNotExist(err) {
			t.Errorf("the losing create left %s behind: %v", lost, err)
		}
	}
	var info struct {
		Volumes []struct {
			Name   string `json:"name"`
			Bricks []struct {
				Path string `json:"path"`
			} `json:"bricks"`
		} `json:"volumes"`
	}
	for _, d := range ds {
		if r, err := d.JSON(t, &info, "volume", "info", "www"); err != nil || len(info.Volumes) != 1 {
			t.Fatalf("volume info www on %s: %v\n%s", d, err, r)
		}
		for _, b := range info.Volumes[0].Bricks {
			if !strings.HasSuffix(b.Path, fmt.Sprintf("/www%d", won)) {
				js, _ := json.Marshal(info)
				t.Errorf("%s: www has brick %s, not one of the winning create (www%d): %s", d, b.Path, won, js)
			}
		}
	}
}

// TestPoolNoMajority: with two of three daemons down the pool refuses
// changes with a clear message and exit 1, changes nothing, and a volume
// whose bricks are all on the remaining peer goes on serving its mount;
// once a majority is back, changes go through again.
func TestPoolNoMajority(t *testing.T) {
	cluster.InstallHelper(t)
	ds := cluster.StartDaemons(t, 3)
	cluster.FormPool(t, ds)
	ds[0].MustCLI(t, "volume", "create", "local", ds[0].BrickPath("local"))
	ds[0].MustCLI(t, "volume", "start", "local")
	cluster.WaitBricksOnline(t, ds[0], "local", 1, poolBound)
	mnt := mountType(t, ds[0].Addr()+":/local")

	ds[1].Stop()
	ds[2].Stop()
	before := statesOf(t, ds[:1])
	for _, args := range [][]string{
		{"volume", "set", "local", "performance.entry-timeout", "5"},
		{"volume", "create", "more", ds[0].BrickPath("more")},
		{"volume", "stop", "local"},
	} {
		r := ds[0].CLI(t, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "no quorum of the pool") || !strings.Contains(r.Stderr, "changes are refused until a majority is back") {
			t.Errorf("mortar %s without a majority: %s", strings.Join(args, " "), r)
		}
	}
	if after := statesOf(t, ds[:1]); after[0] != before[0] {
		t.Errorf("state changed without a majority:\nbefore %+v\nafter  %+v", before[0], after[0])
	}
	for i := range 20 {
		p := filepath.Join(mnt, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(p, fileContent(i), 0o644); err != nil {
			t.Fatalf("write without a pool majority: %v", err)
		}
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, fileContent(i)) {
			t.Fatalf("read back without a pool majority: %v", err)
		}
	}

	ds[1].Restart()
	cluster.WaitFor(t, poolBound, "volume set to go through with a majority back", func() bool {
		return ds[0].CLI(t, "volume", "set", "local", "performance.entry-timeout", "5").Code == 0
	})
	cluster.Unmount(t, mnt)
}

// optionIs says whether `volume get --json` output js gives option name
// the value want.
func optionIs(t *testing.T, js, name, want string) bool {
	t.Helper()
	var reply struct {
		Options []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"options"`
	}
	if err := json.Unmarshal([]byte(js), &reply); err != nil {
		t.Fatalf("volume get --json: %v\n%s", err, js)
	}
	for _, o := range reply.Options {
		if o.Name == name {
			return o.Value == want
		}
	}
	return false
}
