/* READ_FILE and WRITE_FILE requests. Served synchronously: files in the guest are in RAM
 * (initramfs, tmpfs, proc, sys), so no request holds the loop up for long. */
#ifndef KVMUNIT_FILES_H
#define KVMUNIT_FILES_H

#include <stdint.h>

#include "channel.h"

void files_read(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len);
void files_write(struct channel *ch, uint32_t request_id, const uint8_t *payload, uint32_t len);

#endif
