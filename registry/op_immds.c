/* registry/op_immds.c - POST /$immds-forecast (HL7 ImmDS IG) over the
 * CDSi engine (forecast/immds.h). */
#include <stdio.h>
#include <string.h>

#include "forecast/immds.h"
#include "registry/routes_int.h"

/* ---- $immds-forecast ------------------------------------------------------------------ */

/* The ImmDS forecast over the same CDSi engine vaxdesk runs offline. Nothing
 * is stored; the history comes in the request. Audited like a read of the
 * patient it names, since the request carries a client's record. */
void reg_op_immds(struct ctx *x)
{
	const cJSON *body = x->body;
	if (!reg_cfg(x->a)->cdsi) {
		reg_reply_oo(x->rs, 501, "not-supported", "IMMDS-NODATA",
		             "This registry has no CDSi supporting data loaded, so it cannot forecast.",
		             NULL);
		return;
	}
	struct vax_error err = {0};
	cJSON *out = immds_forecast(reg_cfg(x->a)->cdsi, body, &err);
	if (!out) {
		if (!strcmp(err.code, "IMMDS-PARAM")) {
			/* the message starts with the parameter, e.g. "immunization[2]: ..." */
			char expr[64];
			size_t k = strcspn(err.message, ": ");
			snprintf(expr, sizeof expr, "%.*s", k < sizeof expr ? (int)k : 0, err.message);
			reg_reply_oo(x->rs, 400, "invalid", err.code, err.message, expr[0] ? expr : NULL);
		} else
			reg_reply_err(x->rs, &err);
		return;
	}
	const char *pid = "";
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		const cJSON *id =
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "resource"), "id");
		if (cJSON_IsString(name) && !strcmp(name->valuestring, "patient") && cJSON_IsString(id))
			pid = id->valuestring;
	}
	/* a forecast of a client of the registry is a read of that client; an
	 * id the registry does not hold names nobody: it is audited as that */
	struct store_res r;
	bool known =
	    *pid && reg_valid_id(pid) && store_read(reg_store(x->a), "Patient", pid, 0, &r, NULL) == 1;
	if (known)
		store_res_free(&r);
	reg_audit(x, "forecast", known ? "Patient" : "Parameters", known ? pid : "");
	reg_reply_json(x->rs, 200, out, CT_FHIR);
}
