/* t_fs_links.c — the names of multiply-linked inodes (fs/links.c): others of an inode without
 * the asking name, a name moving to another inode, dropping, the bound evicting the oldest. */
#include "../fs/links.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int main(void)
{
    plan(8);
    fs_links *l = links_new(3);
    ok(l != NULL, "table made");
    size_t n;
    links_note(l, 7, "/a");
    links_note(l, 7, "/b");
    links_note(l, 7, "/a");   /* again: still one entry */
    links_note(l, 9, "/x");
    char **v = links_others(l, 7, "/a", &n);
    ok(n == 1 && strcmp(v[0], "/b") == 0, "the other name of inode 7 seen from /a is /b");
    free_names(v, n);
    v = links_others(l, 7, NULL, &n);
    is_int((long long)n, 2, "inode 7 has two names");
    free_names(v, n);
    links_note(l, 9, "/b");   /* /b now names inode 9 */
    v = links_others(l, 7, NULL, &n);
    ok(n == 1 && strcmp(v[0], "/a") == 0, "a name noted for another inode moves");
    free_names(v, n);
    links_drop(l, "/a");
    v = links_others(l, 7, NULL, &n);
    ok(v == NULL && n == 0, "a dropped name is gone");
    links_note(l, 5, "/p");
    links_note(l, 5, "/q");   /* 4 names in a table of 3: /x, the oldest, goes */
    v = links_others(l, 9, NULL, &n);
    ok(n == 1 && strcmp(v[0], "/b") == 0, "the bound evicts the oldest name");
    free_names(v, n);
    v = links_others(l, 5, "/q", &n);
    ok(n == 1 && strcmp(v[0], "/p") == 0, "... and keeps the newest");
    free_names(v, n);
    v = links_others(l, 42, NULL, &n);
    ok(v == NULL && n == 0, "an unknown inode has no names");
    links_free(l);   /* its leaks, if any, are the sanitizer build's failure */
    return done_testing();
}
