// Package e2e tests mortar as a user runs it: volumes mounted by name
// with mount.mortar (as mount -t mortar and fstab run it), the volfile
// followed while mounted, and refusals reported with a message and an
// exit status.
//
// The tests of mount by name run against a fake volfile server
// (mount/volfile/volfiletest) in front of brick servers started by the
// cluster harness: they need no pool. Run with MORTAR_BIN set (make test
// does); they need root and /dev/fuse (cluster.RequireFUSE).
package e2e
