package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The arithmetic of bench-collector's saturation runs (sidebyside_test.go,
// build tag loadbench), tested with the rest of the suite.

// steadyFrom is where a saturation run's steady state starts: the queue and
// the assembly window have filled, the heap has grown.
const steadyFrom = 2 * time.Second

// sampleEvery is the step of a saturation run's delivery series.
const sampleEvery = 250 * time.Millisecond

// steadyRate turns cumulative arrivals (one every sampleEvery from the
// start) into spans per sample and the rate from steadyFrom to the end of
// the load: the run's rate without the start, when the queue and the
// assembly window fill, and without the tail after the load, when what is
// held drains (precogx's last assembly grace is about 5% of a 10 s run).
func steadyRate(cumulative []int64, load time.Duration) (perSample []int64, steady float64) {
	prev := int64(0)
	for _, c := range cumulative {
		perSample = append(perSample, c-prev)
		prev = c
	}
	from, to := int(steadyFrom/sampleEvery), int(load/sampleEvery)
	if to > len(cumulative) || from >= to {
		return perSample, 0
	}
	return perSample, float64(cumulative[to-1]-cumulative[from-1]) / (load - steadyFrom).Seconds()
}

// perSecond sums a delivery series by whole seconds.
func perSecond(perSample []int64) []int64 {
	n := int(time.Second / sampleEvery)
	var out []int64
	for i := 0; i < len(perSample); i += n {
		var sum int64
		for _, v := range perSample[i:min(i+n, len(perSample))] {
			sum += v
		}
		out = append(out, sum)
	}
	return out
}

func TestSteadyRate(t *testing.T) {
	// 1,000 spans a sample for 2 s, then 2,000 until the end of a 4 s load,
	// then a tail of 500: the steady rate is 2,000 per sample, 8,000 spans/s
	var cumulative []int64
	var sum int64
	for k := range 20 {
		switch {
		case k < 8:
			sum += 1000
		case k < 16:
			sum += 2000
		case k == 16:
			sum += 500
		}
		cumulative = append(cumulative, sum)
	}
	perSample, steady := steadyRate(cumulative, 4*time.Second)
	assert.Equal(t, 8000.0, steady)
	assert.Len(t, perSample, 20)
	assert.Equal(t, []int64{4000, 4000, 8000, 8000, 500}, perSecond(perSample))
	_, short := steadyRate(cumulative[:10], 4*time.Second)
	assert.Zero(t, short, "a series that ends before the load does has no steady rate")
}
