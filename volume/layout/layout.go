// Package layout owns file placement: the fixed table of 4096 buckets that
// maps the hash of (parent gfid, name) to a replica set.
//
// Hashing the parent's gfid and one name, never a path, means a directory
// rename moves nothing; a fixed table means adding a set reassigns whole
// buckets and moves only their files.
package layout

import (
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Buckets is the number of buckets of every table.
const Buckets = 4096

// Table assigns every bucket to a replica set, by index into the volume's
// sets. Version increases with every change of the table.
type Table struct {
	Version uint64          `json:"version"`
	Sets    [Buckets]uint16 `json:"sets"`
}

// Uniform spreads the buckets over n sets round robin.
func Uniform(n int) Table {
	var t Table
	t.Version = 1
	for i := range t.Sets {
		t.Sets[i] = uint16(i % n)
	}
	return t
}

// Bucket is the bucket of the entry (parent, name).
func Bucket(parent [16]byte, name string) int {
	d := xxhash.New()
	_, _ = d.Write(parent[:])
	_, _ = d.WriteString(name)
	return int(d.Sum64() % Buckets)
}

// SetOf is the index of the set that holds the entry (parent, name).
func (t *Table) SetOf(parent [16]byte, name string) int {
	return int(t.Sets[Bucket(parent, name)])
}

// Validate checks that every bucket names one of n sets.
func (t *Table) Validate(n int) error {
	for b, s := range t.Sets {
		if int(s) >= n {
			return fmt.Errorf("layout: bucket %d names set %d of %d", b, s, n)
		}
	}
	return nil
}
