package main

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

var fakes sync.Map // *testscript.TestScript -> *acumaticatest.Service

// fakeCmd is the script command that drives the fake Acumatica:
//
//	fake start [rows=N] [tenant=NAME]... [user=U] [password=P] [tz=ZONE]
//	    serves the fake on 127.0.0.1 and sets $FAKE_URL; tz is the
//	    IANA zone of its users' wall times (OData v3)
//	fake touch|insert|tie TENANT ENTITY N
//	    changes data between runs
func fakeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fake")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: fake start|touch|insert|tie ...")
	}
	switch args[0] {
	case "start":
		opts := acumaticatest.Options{User: "admin", Password: "s3cret-Pa55"}
		for _, a := range args[1:] {
			k, v, _ := strings.Cut(a, "=")
			switch k {
			case "rows":
				n, err := strconv.Atoi(v)
				ts.Check(err)
				opts.Rows = n
			case "tenant":
				opts.Tenants = append(opts.Tenants, v)
			case "user":
				opts.User = v
			case "password":
				opts.Password = v
			case "tz":
				loc, err := time.LoadLocation(v)
				ts.Check(err)
				opts.Location = loc
			default:
				ts.Fatalf("fake start: unknown option %q", a)
			}
		}
		svc := acumaticatest.New(opts)
		srv := httptest.NewServer(svc)
		ts.Defer(srv.Close)
		fakes.Store(ts, svc)
		ts.Setenv("FAKE_URL", srv.URL)
	case "touch", "insert", "tie":
		if len(args) != 4 {
			ts.Fatalf("usage: fake %s TENANT ENTITY N", args[0])
		}
		v, ok := fakes.Load(ts)
		if !ok {
			ts.Fatalf("fake %s: no fake started", args[0])
		}
		svc := v.(*acumaticatest.Service)
		n, err := strconv.Atoi(args[3])
		ts.Check(err)
		switch args[0] {
		case "touch":
			svc.Touch(args[1], args[2], n)
		case "insert":
			svc.Insert(args[1], args[2], n)
		case "tie":
			svc.InsertTied(args[1], args[2], n)
		}
	default:
		ts.Fatalf("fake: unknown subcommand %q", args[0])
	}
}
