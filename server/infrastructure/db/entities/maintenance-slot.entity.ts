import { defineEntity, p } from '@mikro-orm/core';

/**
 * When a periodic maintenance job (the retention) is next due. Claiming moves `nextRunAt` one period
 * on in the same statement, so each period's run happens in exactly one process.
 */
export const MaintenanceSlot = defineEntity({
  name: 'MaintenanceSlot',
  tableName: 'maintenance_slots',
  properties: {
    job: p.text().primary(),
    nextRunAt: p.datetime(),
  },
});
