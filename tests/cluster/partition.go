package cluster

import (
	"os/exec"
	"strings"
)

// Partition cuts the daemon off from everyone (the other daemons, clients,
// the test): a blackhole route for its address in the local routing
// table drops every packet to it, so no connection to or from it carries
// anything until Unpartition; the process keeps running. Senders on this
// machine get EINVAL at once, which clients see as a dead connection.
func (d *Daemon) Partition() {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.partitioned {
		return
	}
	if out, err := exec.Command("ip", "route", "add", "blackhole", d.Host+"/32", "table", "local").CombinedOutput(); err != nil {
		d.t.Fatalf("partition %s: ip route: %v: %s", d, err, strings.TrimSpace(string(out)))
	}
	d.partitioned = true
}

// Unpartition ends a Partition.
func (d *Daemon) Unpartition() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.partitioned {
		return
	}
	if out, err := exec.Command("ip", "route", "del", "blackhole", d.Host+"/32", "table", "local").CombinedOutput(); err != nil {
		d.t.Errorf("unpartition %s: ip route: %v: %s", d, err, strings.TrimSpace(string(out)))
	}
	d.partitioned = false
}
