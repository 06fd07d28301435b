/*
 * redaction_report.c - says what a redaction did, so a user knows what a
 * dump they hand over holds: each type erased (count, bytes), and each
 * thing not redacted, named.  The report may come from a dump's note:
 * lb_source_redaction() keeps its strings printable.
 */
#include "render/redaction_report.h"

#include "render/json.h"

void redaction_text(FILE *out, const char *prefix, const struct lb_redaction_report *r)
{
    char classes[64];

    lb_redact_format(r->classes, classes, sizeof(classes));
    fprintf(out, "%sredacted (%s): %llu ranges, %llu bytes overwritten\n", prefix, classes,
            (unsigned long long)r->ranges, (unsigned long long)r->bytes);
    for (size_t i = 0; i < r->nerased; i++)
        fprintf(out, "%s  erased %-9s %-44s %6llu, %llu bytes\n", prefix, r->erased[i].class_name,
                r->erased[i].type, (unsigned long long)r->erased[i].count,
                (unsigned long long)r->erased[i].bytes);
    for (size_t i = 0; i < r->nnot_found; i++)
        fprintf(out, "%s  NOT redacted: %s\n", prefix, r->not_found[i]);
}

void redaction_json(FILE *out, const struct lb_redaction_report *r)
{
    static const char *const names[] = {"keys", "user-data", "names"};
    int first = 1;

    fputs("{\"classes\": [", out);
    for (unsigned i = 0; i < 3; i++)
        if (r->classes & (1u << i)) {
            fprintf(out, "%s\"%s\"", first ? "" : ", ", names[i]);
            first = 0;
        }
    fputs("], \"erased\": [", out);
    for (size_t i = 0; i < r->nerased; i++) {
        fputs(i ? ", {\"class\": " : "{\"class\": ", out);
        json_cstring(out, r->erased[i].class_name);
        fputs(", \"type\": ", out);
        json_cstring(out, r->erased[i].type);
        fprintf(out, ", \"count\": %llu, \"bytes\": %llu}", (unsigned long long)r->erased[i].count,
                (unsigned long long)r->erased[i].bytes);
    }
    fputs("], \"not_found\": [", out);
    for (size_t i = 0; i < r->nnot_found; i++) {
        fputs(i ? ", " : "", out);
        json_cstring(out, r->not_found[i]);
    }
    fprintf(out, "], \"ranges\": %llu, \"bytes\": %llu}", (unsigned long long)r->ranges,
            (unsigned long long)r->bytes);
}
