// ncursesw for Swift: the wide-character API, plus inline functions for what Swift cannot
// import (macros such as getmaxyx and attr_set, globals such as stdscr and COLORS).
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *tt_stdscr(void) { return stdscr; }
static inline FILE *tt_stdout(void) { return stdout; }
static inline FILE *tt_stdin(void) { return stdin; }
static inline int tt_colors(void) { return COLORS; }
static inline int tt_color_pairs(void) { return COLOR_PAIRS; }
static inline void tt_getmaxyx(WINDOW *window, int *rows, int *columns) { getmaxyx(window, *rows, *columns); }

static inline attr_t tt_a_normal(void) { return A_NORMAL; }
static inline attr_t tt_a_bold(void) { return A_BOLD; }
static inline attr_t tt_a_dim(void) { return A_DIM; }
static inline attr_t tt_a_reverse(void) { return A_REVERSE; }
static inline attr_t tt_a_underline(void) { return A_UNDERLINE; }

/// Sets attributes and colour pair for what is written next; pairs past 32767 go through
/// ncurses' extended-colour `opts` argument.
static inline int tt_attr_set(attr_t attributes, int pair) {
    int extended = pair;
    return wattr_set(stdscr, attributes, (short)(pair > 32767 ? 0 : pair), pair > 32767 ? &extended : NULL);
}

static inline int tt_mvaddnwstr(int row, int column, const wchar_t *text, int count) {
    return mvaddnwstr(row, column, text, count);
}
static inline int tt_get_wch(wint_t *character) { return get_wch(character); }
static inline void tt_timeout(int milliseconds) { timeout(milliseconds); }
static inline int tt_refresh(void) { return refresh(); }
static inline int tt_erase(void) { return erase(); }
static inline int tt_clearok(void) { return clearok(stdscr, TRUE); }
static inline int tt_err(void) { return ERR; }
static inline int tt_ok(void) { return OK; }
static inline int tt_key_code_yes(void) { return KEY_CODE_YES; }
static inline int tt_key_f(int number) { return KEY_F(number); }
static inline int tt_key_mouse(void) { return KEY_MOUSE; }

/// Asks for presses of the first button and turns of the wheel (on), or for no mouse (off),
/// each reported at once rather than held back to tell a click from a double click.
static inline void tt_mouse(int on) {
    mouseinterval(0);
    mousemask(on ? (BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
}

/// The mouse event behind a KEY_MOUSE, at a cell: 1 for a press of the first button, 4 for
/// the wheel turned up, 5 for down, 0 for anything else, -1 when there is none.
static inline int tt_get_mouse(int *column, int *row) {
    MEVENT event;
    if (getmouse(&event) != OK) return -1;
    *column = event.x;
    *row = event.y;
    if (event.bstate & BUTTON1_PRESSED) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 4;
    if (event.bstate & BUTTON5_PRESSED) return 5;
    return 0;
}

/// True when the locale's character set is UTF-8 (call after setlocale).
static inline int tt_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

/// Writes bytes straight to the terminal, outside ncurses (for OSC 52).
static inline long tt_write_stdout(const char *bytes, unsigned long count) {
    return (long)write(STDOUT_FILENO, bytes, count);
}
