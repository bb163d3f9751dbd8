-- pgTAP: module basics.  Run by test/run.sh through pg_prove.
BEGIN;
SELECT plan(4);

SELECT is(hardneg_version(), (SELECT extversion FROM pg_extension WHERE extname = 'hardneg'),
	'library version matches the installed extension version');
SELECT ok((SELECT supported FROM hardneg_simd_variants() WHERE variant = 'portable'),
	'the portable kernels are always available');
SELECT is((SELECT count(*) FROM hardneg_simd_variants() WHERE active), 1::bigint,
	'exactly one kernel variant is active');
SELECT throws_ok($$SET hardneg.simd = 'sse9'$$, '22023', NULL,
	'an unknown SIMD variant is rejected with invalid_parameter_value');

SELECT * FROM finish();
ROLLBACK;
