package probe_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/testserver"
	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

func TestRunPinnedCertificatePasses(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	rep := run(t, tlsTarget(srv.addr, pin(kp)))

	assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
	tlsRes := result(t, rep, probe.CheckTLS)
	assert.Contains(t, tlsRes.Message, "trusted by pinned_certificate")
	require.NotNil(t, tlsRes.Details.Verified)
	assert.True(t, *tlsRes.Details.Verified)
	assert.Equal(t, "h2", result(t, rep, probe.CheckALPN).Details.NegotiatedProtocol)
	assert.Equal(t, "SERVING", result(t, rep, probe.CheckGRPCHealth).Details.ServingStatus)
	assert.Equal(t, "v2.6.6", result(t, rep, probe.CheckMilvus).Details.MilvusVersion)
}

// The certificate is for another name than the requested server name.
func TestRunNameMismatch(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	for name, trust := range map[string]tlsutil.Trust{
		"pinned":  pin(kp),
		"ca_file": caTrust(kp.Cert),
	} {
		t.Run(name, func(t *testing.T) {
			target := tlsTarget(srv.addr, trust)
			target.ServerName = "wrong.example.com"

			rep := run(t, target)

			assertVerdict(t, rep, verdict{
				exit: probe.ExitTLS,
				statuses: map[probe.CheckName]probe.Status{
					probe.CheckConnect: probe.StatusPass,
					probe.CheckTLS:     probe.StatusFail,
				},
				reasonOf: probe.CheckTLS,
				reason:   probe.ReasonTLSNameMismatch,
				words:    []string{"wrong.example.com", testserver.ServerName},
			})
			assertSkippedAfter(t, rep, probe.CheckTLS)
		})
	}
}

// The certificate of the openssl recipe in Milvus's guide has a
// Common Name and no SAN.
func TestRunCommonNameOnlyCertificate(t *testing.T) {
	kp := testserver.Cert(t, tlsutil.CertRequest{CommonName: testserver.ServerName, KeyType: tlsutil.KeyRSA2048})
	require.Empty(t, kp.Cert.DNSNames)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	t.Run("pinned warns", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, pin(kp)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitOK,
			statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckTLS: probe.StatusWarn}),
			reasonOf: probe.CheckTLS,
			reason:   probe.ReasonCertNoSAN,
			words:    []string{"Common Name " + testserver.ServerName, "no Subject Alternative Name", "Go clients"},
		})
		assert.Contains(t, result(t, rep, probe.CheckTLS).Hint, "cert command")
	})
	t.Run("ca file fails", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, caTrust(kp.Cert)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitTLS,
			statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
			reasonOf: probe.CheckTLS,
			reason:   probe.ReasonCertNoSAN,
			words:    []string{"Common Name " + testserver.ServerName, "no Subject Alternative Name"},
		})
		assert.Contains(t, result(t, rep, probe.CheckTLS).Hint, "cert command")
		assertSkippedAfter(t, rep, probe.CheckTLS)
	})
}

// A self-signed certificate checked against the system roots.
func TestRunSelfSignedUntrusted(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	rep := run(t, tlsTarget(srv.addr, tlsutil.Trust{}))

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitTLS,
		statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
		reasonOf: probe.CheckTLS,
		reason:   probe.ReasonTLSUntrusted,
		words:    []string{"self-signed", "system_roots", "--server-pem"},
	})
	assertSkippedAfter(t, rep, probe.CheckTLS)
}

// The server is restarted with a new certificate for the same
// name, and the pin no longer matches.
func TestRunPinMismatchAfterRestart(t *testing.T) {
	first := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, first, testserver.GRPCOptions{})
	target := tlsTarget(srv.addr, pin(first))

	rep := run(t, target)
	require.Equal(t, probe.ExitOK, rep.ExitCode, "run before the restart: %s", describe(rep))

	second := testserver.SelfSigned(t, testserver.ServerName)
	srv.listener.SetCertificate(t, second)
	rep = run(t, target)

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitTLS,
		statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
		reasonOf: probe.CheckTLS,
		reason:   probe.ReasonTLSPinMismatch,
		words:    []string{"SHA-256", tlsutil.Fingerprint(first.Cert), tlsutil.Fingerprint(second.Cert)},
	})
	assertSkippedAfter(t, rep, probe.CheckTLS)
}

// A certificate that failed verification still has its expiry and
// fingerprint reported, so expiry alerts keep working.
func TestRunFailedVerificationKeepsDetails(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	wrongName := tlsTarget(srv.addr, pin(kp))
	wrongName.ServerName = "other.example.com"
	cases := map[string]probe.Target{
		"untrusted":     tlsTarget(srv.addr, tlsutil.Trust{}),
		"pin mismatch":  tlsTarget(srv.addr, pin(testserver.SelfSigned(t, testserver.ServerName))),
		"name mismatch": wrongName,
	}
	for name, target := range cases {
		t.Run(name, func(t *testing.T) {
			rep := run(t, target)

			res := result(t, rep, probe.CheckTLS)
			require.Equal(t, probe.StatusFail, res.Status, res.Message)
			require.NotNil(t, res.Details.NotAfter)
			assert.True(t, res.Details.NotAfter.Equal(kp.Cert.NotAfter), "NotAfter")
			require.NotNil(t, res.Details.EarliestExpiry)
			assert.True(t, res.Details.EarliestExpiry.Equal(kp.Cert.NotAfter), "EarliestExpiry")
			assert.Equal(t, tlsutil.Fingerprint(kp.Cert), res.Details.FingerprintSHA256)
			assert.Equal(t, tlsutil.SPKIPin(kp.Cert), res.Details.SPKIPin)
			require.NotNil(t, res.Details.Verified)
			assert.False(t, *res.Details.Verified)
		})
	}
}

func TestRunInsecureSkipVerifyWarns(t *testing.T) {
	kp := testserver.SelfSigned(t, "other.example.com")
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	rep := run(t, tlsTarget(srv.addr, tlsutil.Trust{InsecureSkipVerify: true}))

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitOK,
		statuses: with(passingChain(), map[probe.CheckName]probe.Status{probe.CheckTLS: probe.StatusWarn}),
		reasonOf: probe.CheckTLS,
		reason:   probe.ReasonTLSVerifySkipped,
		words:    []string{"NOT verified"},
	})
	res := result(t, rep, probe.CheckTLS)
	require.NotNil(t, res.Details.Verified)
	assert.False(t, *res.Details.Verified)
	assert.Equal(t, string(tlsutil.TrustInsecure), res.Details.TrustMode)
}

func TestRunCertificateValidity(t *testing.T) {
	valid := testserver.Cert(t, tlsutil.CertRequest{
		DNSNames: []string{testserver.ServerName}, Validity: 48 * time.Hour,
	})
	expired := testserver.Cert(t, tlsutil.CertRequest{
		DNSNames:  []string{testserver.ServerName},
		NotBefore: time.Now().Add(-72 * time.Hour),
		Validity:  24 * time.Hour,
	})
	notYet := testserver.Cert(t, tlsutil.CertRequest{
		DNSNames:  []string{testserver.ServerName},
		NotBefore: time.Now().Add(24 * time.Hour),
		Validity:  24 * time.Hour,
	})
	cases := []struct {
		name        string
		kp          *tlsutil.KeyPair
		minValidity time.Duration
		reason      probe.Reason
		words       []string
	}{
		{"expiring soon", valid, 336 * time.Hour, probe.ReasonTLSExpiringSoon, []string{"sooner than the minimum of 336h0m0s"}},
		{"expired pinned", expired, 0, probe.ReasonTLSExpired, []string{"expired at"}},
		{"not yet valid pinned", notYet, 0, probe.ReasonTLSNotYetValid, []string{"not valid before"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startMilvus(t, tc.kp, testserver.GRPCOptions{})
			target := tlsTarget(srv.addr, pin(tc.kp))
			target.TLS.MinCertValidity = tc.minValidity

			rep := run(t, target)

			assertVerdict(t, rep, verdict{
				exit:     probe.ExitTLS,
				statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
				reasonOf: probe.CheckTLS,
				reason:   tc.reason,
				words:    tc.words,
			})
			assertSkippedAfter(t, rep, probe.CheckTLS)
			assert.NotNil(t, result(t, rep, probe.CheckTLS).Details.NotAfter)
		})
	}
	t.Run("enough validity passes", func(t *testing.T) {
		srv := startMilvus(t, valid, testserver.GRPCOptions{})
		target := tlsTarget(srv.addr, pin(valid))
		target.TLS.MinCertValidity = 24 * time.Hour

		assertVerdict(t, run(t, target), verdict{exit: probe.ExitOK, statuses: passingChain()})
	})
}

func TestRunSPKIPins(t *testing.T) {
	kp := testserver.SelfSigned(t, testserver.ServerName)
	other := testserver.SelfSigned(t, testserver.ServerName)
	srv := startMilvus(t, kp, testserver.GRPCOptions{})

	t.Run("match", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(other.Cert), tlsutil.SPKIPin(kp.Cert)}}))

		assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
		assert.Equal(t, string(tlsutil.TrustSPKI), result(t, rep, probe.CheckTLS).Details.TrustMode)
	})
	t.Run("mismatch", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, tlsutil.Trust{SPKIPins: []string{tlsutil.SPKIPin(other.Cert)}}))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitTLS,
			statuses: map[probe.CheckName]probe.Status{probe.CheckTLS: probe.StatusFail},
			reasonOf: probe.CheckTLS,
			reason:   probe.ReasonTLSPinMismatch,
			words:    []string{"SPKI", tlsutil.SPKIPin(kp.Cert), tlsutil.SPKIPin(other.Cert)},
		})
		assertSkippedAfter(t, rep, probe.CheckTLS)
	})
}

func TestRunCAFileTrust(t *testing.T) {
	ca := testserver.Cert(t, tlsutil.CertRequest{CommonName: "test CA", IsCA: true})
	leaf := testserver.Cert(t, tlsutil.CertRequest{
		CommonName: testserver.ServerName, DNSNames: []string{testserver.ServerName}, Signer: ca,
	})
	otherCA := testserver.Cert(t, tlsutil.CertRequest{CommonName: "other CA", IsCA: true})
	srv := startMilvus(t, leaf, testserver.GRPCOptions{})

	t.Run("signed by the CA passes", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, caTrust(ca.Cert)))

		assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
		res := result(t, rep, probe.CheckTLS)
		assert.Equal(t, string(tlsutil.TrustCAFile), res.Details.TrustMode)
		assert.Contains(t, res.Details.PeerIssuer, "test CA")
	})
	t.Run("another CA fails", func(t *testing.T) {
		rep := run(t, tlsTarget(srv.addr, caTrust(otherCA.Cert)))

		assertVerdict(t, rep, verdict{
			exit:     probe.ExitTLS,
			statuses: map[probe.CheckName]probe.Status{probe.CheckTLS: probe.StatusFail},
			reasonOf: probe.CheckTLS,
			reason:   probe.ReasonTLSUntrusted,
			words:    []string{"unknown authority", "test CA"},
		})
	})
}

// TLS sent to a plaintext gRPC port.
func TestRunTLSToPlaintextServer(t *testing.T) {
	g := testserver.ServeGRPC(t, testserver.Listen(t), testserver.GRPCOptions{Milvus: testserver.NewFakeMilvus()})

	rep := run(t, tlsTarget(g.Addr, tlsutil.Trust{}))

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitTLS,
		statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
		reasonOf: probe.CheckTLS,
		reason:   probe.ReasonServerNotTLS,
		words:    []string{"TLS"},
	})
	assertSkippedAfter(t, rep, probe.CheckTLS)
}

func TestRunTLSTimeout(t *testing.T) {
	addr := testserver.StartSilent(t)
	target := tlsTarget(addr, tlsutil.Trust{})
	target.Timeouts.TLS = 200 * time.Millisecond

	start := time.Now()
	rep := run(t, target)
	elapsed := time.Since(start)

	assertVerdict(t, rep, verdict{
		exit:     probe.ExitTLS,
		statuses: map[probe.CheckName]probe.Status{probe.CheckConnect: probe.StatusPass, probe.CheckTLS: probe.StatusFail},
		reasonOf: probe.CheckTLS,
		reason:   probe.ReasonTLSTimeout,
		words:    []string{"timed out", "accepted TCP"},
	})
	assertSkippedAfter(t, rep, probe.CheckTLS)
	assert.Less(t, elapsed, runTimeout/2, "the TLS stage timeout bounds the run, not the total")
	assert.Nil(t, result(t, rep, probe.CheckTLS).Details.NotAfter, "no certificate was received")
}

func TestRunServerPresentsChain(t *testing.T) {
	ca := testserver.Cert(t, tlsutil.CertRequest{CommonName: "chain CA", IsCA: true, Validity: 12 * time.Hour})
	leaf := testserver.Cert(t, tlsutil.CertRequest{DNSNames: []string{testserver.ServerName}, Signer: ca})
	chained := *leaf
	chained.CertPEM = append(append([]byte{}, leaf.CertPEM...), ca.CertPEM...)
	srv := startMilvus(t, &chained, testserver.GRPCOptions{})

	rep := run(t, tlsTarget(srv.addr, caTrust(ca.Cert)))

	assertVerdict(t, rep, verdict{exit: probe.ExitOK, statuses: passingChain()})
	res := result(t, rep, probe.CheckTLS)
	assert.Equal(t, 2, res.Details.ChainLength)
	require.NotNil(t, res.Details.EarliestExpiry)
	assert.True(t, res.Details.EarliestExpiry.Equal(ca.Cert.NotAfter), "earliest expiry is the CA's")
	require.NotNil(t, res.Details.NotAfter)
	assert.True(t, res.Details.NotAfter.Equal(leaf.Cert.NotAfter), "NotAfter is the leaf's")
}
