/* tests/fuzz/fuzz_hl7.c - the HL7 v2 readers on any bytes: a message (VXU
 * and ACK), a batch file. Whatever is read must write back and read again
 * to the same client and doses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "hl7/batch.h"
#include "hl7/query.h"
#include "hl7/vxu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_message(const char *text, size_t len)
{
	struct vax_error err;
	struct hl7_msg *m = hl7_parse(text, len, &err);
	if (!m)
		return;
	char buf[256];
	for (int s = 0; s < hl7_nseg(m); s++)
		for (int f = 1; f < 8; f++)
			hl7_get(m, s, f, 2, 2, 2, buf, sizeof buf);
	struct hl7_ack a;
	if (hl7_ack_read(m, &a, &err)) {
		size_t n;
		char *t = hl7_ack_write(&a.hdr, "A", "B", "1", a.code, &a.issues, 0, &n);
		free(t);
	}
	struct hl7_qbp *q = xmalloc(sizeof *q);
	if (hl7_qbp_read(m, q, NULL)) {
		struct hl7_write_opts qo = {.control_id = "2"};
		struct hl7_rsp r = {.status = "NF", .issues = &q->issues};
		size_t n;
		free(hl7_rsp_write(&qo, q, &r, &n));
	}
	free(q);
	struct hl7_rsp_read rr;
	if (hl7_rsp_parse(m, &rr, &err))
		hl7_rsp_read_free(&rr);
	struct hl7_vxu *v = xmalloc(sizeof *v), *back = xmalloc(sizeof *back);
	if (hl7_vxu_read(m, v, NULL)) {
		struct immunization *ims = xcalloc((size_t)v->n_dose + 1, sizeof *ims);
		for (int i = 0; i < v->n_dose; i++)
			ims[i] = v->dose[i].im;
		struct hl7_write_opts o = {.control_id = "1", .extensions = true};
		size_t n;
		char *t = hl7_vxu_write(&o, &v->client, ims, v->n_dose, &n);
		struct hl7_msg *m2 = hl7_parse(t, n, &err);
		if (!m2 || !hl7_vxu_read(m2, back, NULL) || back->n_dose != v->n_dose ||
		    strcmp(back->client.name.family, v->client.name.family) ||
		    back->client.dob != v->client.dob)
			abort(); /* what was read must write back the same */
		hl7_free(&m2);
		free(t);
		free(ims);
	}
	free(v);
	free(back);
	hl7_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_message((const char *)data, size);
	struct hl7_batch b;
	struct vax_error err;
	if (hl7_batch_read((const char *)data, size, &b, &err)) {
		for (int i = 0; i < b.n && i < 8; i++)
			one_message(b.msg[i].text, b.msg[i].len);
		hl7_batch_free(&b);
	}
	return 0;
}
