package cluster

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// CLI runs `mortar ARGS --socket SOCKET` against the daemon's local
// socket (what an administrator on that server runs) and returns the
// result; it fails t only when the command cannot run or hangs.
func (d *Daemon) CLI(t testing.TB, args ...string) Result {
	t.Helper()
	argv := append([]string{d.bin}, args...)
	argv = append(argv, "--socket", d.Socket)
	return Run(t, CLIBound, "", argv...)
}

// RemoteCLI runs `mortar ARGS --remote-host ADDR` against the daemon over
// TCP, as from another machine.
func (d *Daemon) RemoteCLI(t testing.TB, args ...string) Result {
	t.Helper()
	argv := append([]string{d.bin}, args...)
	argv = append(argv, "--remote-host", d.Addr())
	return Run(t, CLIBound, "", argv...)
}

// MustCLI is CLI failing t on a non-zero exit; it returns stdout.
func (d *Daemon) MustCLI(t testing.TB, args ...string) string {
	t.Helper()
	r := d.CLI(t, args...)
	if r.Code != 0 {
		t.Fatalf("%s: mortar %s: %s", d, strings.Join(args, " "), r)
	}
	return r.Stdout
}

// JSON runs `mortar ARGS --json` on the daemon and decodes its output into
// v; it reports failure instead of failing t (for polling).
func (d *Daemon) JSON(t testing.TB, v any, args ...string) (Result, error) {
	t.Helper()
	r := d.CLI(t, append(args, "--json")...)
	if r.Code != 0 {
		return r, &CLIError{Result: r}
	}
	return r, json.Unmarshal([]byte(r.Stdout), v)
}

// CLIError is a command that exited non-zero.
type CLIError struct{ Result Result }

func (e *CLIError) Error() string { return e.Result.String() }

// PoolPeer is one peer of `pool list --json`.
type PoolPeer struct {
	UUID  string `json:"uuid"`
	Host  string `json:"host"`
	Addr  string `json:"addr"`
	State string `json:"state"`
}

// FormPool probes every other daemon from ds[0] and waits until each
// daemon lists all of them connected.
func FormPool(t testing.TB, ds []*Daemon) {
	t.Helper()
	for _, d := range ds[1:] {
		ds[0].MustCLI(t, "peer", "probe", d.Addr())
	}
	for _, d := range ds {
		WaitPool(t, d, len(ds), 30*time.Second)
	}
}

// WaitPool waits until d lists n peers, all connected.
func WaitPool(t testing.TB, d *Daemon, n int, bound time.Duration) {
	t.Helper()
	var last string
	ok := waitFor(bound, func() bool {
		var reply struct {
			Peers []PoolPeer `json:"peers"`
		}
		r, err := d.JSON(t, &reply, "pool", "list")
		last = r.String()
		if err != nil || len(reply.Peers) != n {
			return false
		}
		for _, p := range reply.Peers {
			if p.State != "Connected" {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("%s does not list %d connected peers within %v; last pool list:\n%s", d, n, bound, last)
	}
}

// BrickStatus is one brick of `volume status --json`.
type BrickStatus struct {
	Host   string `json:"host"`
	Path   string `json:"path"`
	Name   string `json:"name"`
	Port   int    `json:"port"`
	Online bool   `json:"online"`
	Pid    int    `json:"pid"`
	Error  string `json:"error"`
}

// VolumeStatus returns the bricks of `volume status NAME --json` on d.
func (d *Daemon) VolumeStatus(t testing.TB, name string) ([]BrickStatus, error) {
	t.Helper()
	var reply struct {
		Volumes []struct {
			Name   string        `json:"name"`
			Bricks []BrickStatus `json:"bricks"`
		} `json:"volumes"`
	}
	if _, err := d.JSON(t, &reply, "volume", "status", name); err != nil {
		return nil, err
	}
	for _, v := range reply.Volumes {
		if v.Name == name {
			return v.Bricks, nil
		}
	}
	return nil, nil
}

// WaitBricksOnline waits until `volume status NAME` on d shows n bricks,
// all online.
func WaitBricksOnline(t testing.TB, d *Daemon, name string, n int, bound time.Duration) {
	t.Helper()
	var last []BrickStatus
	var lastErr error
	ok := waitFor(bound, func() bool {
		last, lastErr = d.VolumeStatus(t, name)
		if lastErr != nil || len(last) != n {
			return false
		}
		for _, b := range last {
			if !b.Online {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("volume %s: not %d bricks online on %s within %v: %+v %v", name, n, d, bound, last, lastErr)
	}
}

// HealInfo runs `volume heal NAME info --json` on d and parses it.
func (d *Daemon) HealInfo(t testing.TB, name string) (*HealInfo, error) {
	t.Helper()
	r := d.CLI(t, "volume", "heal", name, "info", "--json")
	if r.Code != 0 {
		return nil, &CLIError{Result: r}
	}
	return ParseHealInfo([]byte(r.Stdout))
}
