package acumaticatest

import "time"

// Faults switch on the failure modes real Acumatica instances show.
// Data requests are entity-set reads; $metadata and the service
// document are never failed or delayed.
type Faults struct {
	// FailStatus, when non-zero, makes data requests answer with this
	// status...
	FailStatus int
	// ...for this many requests; 0 fails every request while FailStatus
	// is set.
	FailCount int
	// RetryAfter is the Retry-After header value sent with 429 and 503.
	RetryAfter string
	// EmptyBody200 answers data requests with 200 and an empty body, as
	// Acumatica does for filters on formula columns.
	EmptyBody200 bool
	// HTMLError renders every error as an HTML page instead of JSON.
	HTMLError bool
	// Delay holds each data request this long before answering.
	Delay time.Duration
}

// SetFaults replaces the active faults and restarts FailCount.
func (s *Service) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.failed = 0
	s.mu.Unlock()
}

// Faults returns the active faults.
func (s *Service) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// takeFault returns the active faults and whether this data request is
// to fail with FailStatus, counting it against FailCount.
func (s *Service) takeFault() (Faults, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if f.FailStatus == 0 || f.FailCount > 0 && s.failed >= f.FailCount {
		return f, false
	}
	s.failed++
	return f, true
}
