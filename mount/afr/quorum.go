package afr

// quorum decides whether a group of a set's bricks may change data (and,
// unless stale reads are allowed, read it).
type quorum struct {
	kind  string
	count int // QuorumFixed
	n     int
}

// met reports whether the bricks marked in ok form a quorum. With
// QuorumAuto, more than half do; for an even count exactly half do when
// they include the first brick (GlusterFS's "auto"), so that two halves
// can never both have quorum.
func (q quorum) met(ok []bool) bool {
	c := count(ok)
	switch q.kind {
	case QuorumNone:
		return c >= 1
	case QuorumFixed:
		return c >= q.count
	}
	if 2*c > q.n {
		return true
	}
	return q.n%2 == 0 && 2*c == q.n && ok[0]
}

// count is the number of true values in b.
func count(b []bool) int {
	c := 0
	for _, v := range b {
		if v {
			c++
		}
	}
	return c
}
