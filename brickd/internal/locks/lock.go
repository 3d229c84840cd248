package locks

import "math"

// Type is a lock type; the values are the wire's LockType (F_RDLCK, F_WRLCK,
// F_UNLCK).
type Type int32

// Lock types.
const (
	Read   Type = 0
	Write  Type = 1
	Unlock Type = 2
)

// ToEOF is the End of a range that reaches to the end of the file.
const ToEOF = uint64(math.MaxUint64)

// Owner identifies who holds a lock: a session, and within it the lock
// owner (POSIX, inodelk, entrylk) or the open file (flock).
type Owner struct {
	Session uint64
	ID      uint64
}

// Lock is a granted or requested byte-range lock; Start and End are
// inclusive.
type Lock struct {
	Type  Type
	Start uint64
	End   uint64
	Pid   uint32
	Owner Owner
}

// overlaps reports whether a and b share at least one byte.
func (a Lock) overlaps(b Lock) bool {
	return a.Start <= b.End && b.Start <= a.End
}

// touches reports whether a and b overlap or are adjacent.
func (a Lock) touches(b Lock) bool {
	if a.overlaps(b) {
		return true
	}
	return (a.End != ToEOF && a.End+1 == b.Start) || (b.End != ToEOF && b.End+1 == a.Start)
}

// conflicts reports whether a and b, held by different owners, cannot both
// be granted.
func (a Lock) conflicts(b Lock) bool {
	return a.Owner != b.Owner && a.overlaps(b) && (a.Type == Write || b.Type == Write)
}

// Space separates lock namespaces that never conflict with each other.
type Space int

// Lock spaces.
const (
	Posix Space = iota + 1
	Flock
	Inode // inodelk: Key.Domain names the domain
	Entry // entrylk: Key.Gfid is the parent directory
)

// Key names one lock table.
type Key struct {
	Space  Space
	Gfid   [16]byte
	Domain string
}
