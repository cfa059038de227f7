package engine

import (
	"context"
	"errors"
	"testing"
)

func TestPipeRunsInOrder(t *testing.T) {
	p, _ := startPipe(context.Background())
	var got []int
	for i := range 5 {
		if err := p.send(func() error { got = append(got, i); return nil }); err != nil {
			t.Fatalf("send(%d) = %v", i, err)
		}
	}
	if err := p.close(); err != nil {
		t.Fatalf("close() = %v", err)
	}
	if len(got) != 5 || got[0] != 0 || got[4] != 4 {
		t.Errorf("commits ran as %v; want 0 to 4 in order", got)
	}
}

func TestPipeStopsAtFailure(t *testing.T) {
	boom := errors.New("boom")
	p, readCtx := startPipe(context.Background())
	ran := 0
	if err := p.send(func() error { ran++; return boom }); err != nil {
		t.Fatalf("first send = %v", err)
	}
	<-readCtx.Done() // the reading side hears about the failure
	if err := p.send(func() error { ran++; return nil }); !errors.Is(err, boom) {
		t.Errorf("send after a failure = %v; want %v", err, boom)
	}
	if err := p.close(); !errors.Is(err, boom) {
		t.Errorf("close() = %v; want %v", err, boom)
	}
	if ran != 1 {
		t.Errorf("%d commits ran; want 1", ran)
	}
}
