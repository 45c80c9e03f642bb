package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxFiles is how many documents a [Dir] keeps when MaxFiles is 0.
const DefaultMaxFiles = 16

// fileSuffix names the documents of a Dir; files without it (such as the
// temporary files of a write in progress) are not documents.
const fileSuffix = ".vitals-spool.json"

// seq makes names unique within a process.
var seq atomic.Uint64

// Dir stores documents as files in one directory: each written atomically
// (a temporary file renamed into place), readable only by its owner, and
// named so that names sort oldest first.
type Dir struct {
	// Path is the directory; Write creates it if needed.
	Path string
	// MaxFiles bounds the documents kept: Write removes the oldest beyond
	// it. 0 means DefaultMaxFiles.
	MaxFiles int
	// Now returns the time that names a document; nil means time.Now.
	Now func() time.Time
}

// Write stores b as a new document and returns its file name, then removes
// the oldest documents beyond MaxFiles.
func (d Dir) Write(b []byte) (string, error) {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	name := fmt.Sprintf("%020d-%06d-%04d%s", now().UnixNano(), os.Getpid()%1_000_000, seq.Add(1)%10_000, fileSuffix)
	tmp, err := os.CreateTemp(d.Path, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d.Path, name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: %w", err)
	}
	return name, d.prune()
}

// List returns the names of the stored documents, oldest first. A missing
// directory holds none.
func (d Dir) List() ([]string, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), fileSuffix) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Read returns the document called name.
func (d Dir) Read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.Path, filepath.Base(name)))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return b, nil
}

// Remove deletes the document called name; a missing one is not an error.
func (d Dir) Remove(name string) error {
	err := os.Remove(filepath.Join(d.Path, filepath.Base(name)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (d Dir) prune() error {
	limit := d.MaxFiles
	if limit <= 0 {
		limit = DefaultMaxFiles
	}
	names, err := d.List()
	if err != nil {
		return err
	}
	var errs []error
	for len(names) > limit {
		errs = append(errs, d.Remove(names[0]))
		names = names[1:]
	}
	return errors.Join(errs...)
}
