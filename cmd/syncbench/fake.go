package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The fake's credentials and tenant; they only exist on 127.0.0.1.
const (
	fakeUser     = "admin"
	fakePassword = "bench"
	fakeTenant   = "Company"
	entity       = "SalesOrders"
)

// fake is a running fakeacumatica process.
type fake struct {
	cmd  *exec.Cmd
	url  string
	http *http.Client
	done chan error
}

// startFake starts bin/fakeacumatica with rows SalesOrders rows on a free
// loopback port and waits until it accepts connections.
func startFake(ctx context.Context, bin, dir string, rows int) (*fake, error) {
	urlFile := filepath.Join(dir, "fake.url")
	os.Remove(urlFile)
	logf, err := os.Create(filepath.Join(dir, "fake.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0",
		"--url-file", urlFile, "--tenant", fakeTenant,
		"--rows", strconv.Itoa(rows),
		"--user", fakeUser, "--password", fakePassword)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	f := &fake{cmd: cmd, done: make(chan error, 1),
		http: &http.Client{Timeout: 2 * time.Minute}}
	go func() { f.done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			f.url = strings.TrimSpace(string(b))
			break
		}
		select {
		case err := <-f.done:
			return nil, fmt.Errorf("%s exited early (%v); see %s", bin,
				err, logf.Name())
		case <-ctx.Done():
			f.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			f.stop()
			return nil, fmt.Errorf("%s did not start within 2 minutes", bin)
		}
	}
	if u, err := url.Parse(f.url); err != nil || u.Hostname() != "127.0.0.1" {
		f.stop()
		return nil, fmt.Errorf("fake serves at %q, not on 127.0.0.1", f.url)
	}
	return f, nil
}

// stop ends the fake process (ours, by its own handle) and waits for it.
func (f *fake) stop() {
	if f == nil || f.cmd.Process == nil {
		return
	}
	f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		f.cmd.Process.Kill()
		<-f.done
	}
}

func (f *fake) root() string {
	return f.url + "/t/" + fakeTenant + "/api/odata/gi/"
}

func (f *fake) get(ctx context.Context, u string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(fakeUser, fakePassword)
	resp, err := f.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("GET %s: %s: %s", u, resp.Status, b)
	}
	return io.Copy(w, resp.Body)
}

// pages describes the saved response bodies of one table size.
type pages struct {
	dir   string
	files []string
	rows  int
	bytes int64
}

// savePages saves the entity's metadata and its rows as pages of
// pageSize rows, exactly as the service sends them, in dir. The rows
// come in the order syncctl reads them, by (LastModifiedDateTime, key):
// the order in which keys reach the destination's index matters.
func (f *fake) savePages(ctx context.Context, dir string, rows, pageSize int) (*pages, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &pages{dir: dir, rows: rows}
	if err := f.saveTo(ctx, f.root()+"$metadata", filepath.Join(dir, metadataFile), nil); err != nil {
		return nil, err
	}
	for skip := 0; skip < rows; skip += pageSize {
		u := fmt.Sprintf("%s%s?$orderby=%s&$top=%d&$skip=%d", f.root(), entity,
			readOrder, pageSize, skip)
		name := filepath.Join(dir, fmt.Sprintf("page-%05d.json", len(p.files)))
		if err := f.saveTo(ctx, u, name, &p.bytes); err != nil {
			return nil, err
		}
		p.files = append(p.files, name)
	}
	return p, nil
}

const metadataFile = "metadata.xml"

// readOrder is the order of an incremental read of SalesOrders.
const readOrder = "LastModifiedDateTime,OrderType,OrderNbr"

func (f *fake) saveTo(ctx context.Context, u, name string, total *int64) error {
	out, err := os.Create(name)
	if err != nil {
		return err
	}
	n, err := f.get(ctx, u, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if total != nil {
		*total += n
	}
	return err
}

// touch edits n rows through the fake's control surface: one data column
// changes and LastModifiedDateTime moves forward.
func (f *fake) touch(ctx context.Context, n int) error {
	u := fmt.Sprintf("%s/_fake/touch?tenant=%s&entity=%s&n=%d", f.url,
		url.QueryEscape(fakeTenant), entity, n)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("touch: %s: %s", resp.Status, body)
	}
	if !strings.Contains(string(body), fmt.Sprintf(`"changed":%d`, n)) {
		return errors.New("touch: unexpected answer " + string(body))
	}
	return nil
}
