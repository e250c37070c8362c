// SPDX-License-Identifier: LGPL-2.1-or-later
/* The exec floor: a process that does nothing. */
int main(void)
{
	return 0;
}
