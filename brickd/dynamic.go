package brickd

import (
	"fmt"
	"sort"
)

// The node daemon serves the bricks of started volumes on one server and
// adds or removes them while it serves (volume start and stop).

// brick returns the brick served under name.
func (s *Server) brick(name string) (*brick, bool) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	b, ok := s.bricks[name]
	return b, ok
}

// AddBrick opens bc (initialising it where needed; volumeID as in Config)
// and serves it from now on.
func (s *Server) AddBrick(bc BrickConfig, volumeID string) error {
	if s.closing.Load() {
		return fmt.Errorf("brickd: add brick %s: server is closed", bc.Name)
	}
	s.bmu.Lock()
	defer s.bmu.Unlock()
	seen := make(map[[2]uint64]string, len(s.bricks))
	for name, b := range s.bricks {
		if dev, ino, err := b.fs.Dev(); err == nil {
			seen[[2]uint64{dev, ino}] = name
		}
	}
	b, err := s.openBrick(bc, volumeID, dirCacheSize(len(s.bricks)+1), seen)
	if err != nil {
		return err
	}
	s.bricks[bc.Name] = b
	s.log.Info("brick added", "brick", bc.Name, "path", bc.Path, "brick_id", b.fs.Info().BrickID, "volume_id", b.fs.Info().VolumeID)
	return nil
}

// RemoveBrick stops serving the brick name: its sessions end (their
// clients see the brick go away), the calls in flight on it finish, and
// its directory is closed.
func (s *Server) RemoveBrick(name string) error {
	s.bmu.Lock()
	b, ok := s.bricks[name]
	delete(s.bricks, name)
	s.bmu.Unlock()
	if !ok {
		return fmt.Errorf("brickd: remove brick %s: not served", name)
	}
	s.log.Info("brick removed", "brick", name)
	return b.close()
}

// Bricks returns the names of the bricks served, sorted.
func (s *Server) Bricks() []string {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	names := make([]string, 0, len(s.bricks))
	for n := range s.bricks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
