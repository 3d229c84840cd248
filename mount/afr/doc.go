// Package afr owns replication: one replica set of N bricks presented as
// one fop.Volume. Modifying operations are changelog transactions (lock,
// pre-op, op on every brick, post-op, unlock); reads go to a brick no
// other accuses; the changelog analysis (Analyze) decides sources, sinks
// and split-brain for the heal engine too.
package afr
