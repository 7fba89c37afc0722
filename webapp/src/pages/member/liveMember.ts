/**
 * How the member page patches itself from the live stream's `change` events, without
 * reading the screen again. Each change carries the whole changed item (upsert by id).
 */
import type { components } from '../../api/schema';
import type { MemberDetail } from '../../api/types';

type Schemas = components['schemas'];
export type MemberChange =
  | Schemas['MessageChanged']
  | Schemas['NoteAdded']
  | Schemas['AppointmentChanged']
  | Schemas['LinkedItemChanged']
  | Schemas['MemberChanged']
  | Schemas['ProfileChanged']
  | Schemas['RiskProfileComputed'];
export type StreamEnd = Schemas['StreamEnd'];

const RECENT_MESSAGES = 20;
const RECENT_NOTES = 50;

function upsert<T extends { id: string }>(items: T[], item: T): T[] {
  const index = items.findIndex((existing) => existing.id === item.id);
  if (index < 0) return [...items, item];
  const copy = [...items];
  copy[index] = item;
  return copy;
}

/** The screen after one change (a new object; the old one is left as it was). */
export function applyChange(screen: MemberDetail, change: MemberChange, now: Date = new Date()): MemberDetail {
  switch (change.kind) {
    case 'message':
      return {
        ...screen,
        messages: upsert(screen.messages, change.message)
          .sort((a, b) => b.created_at.localeCompare(a.created_at))
          .slice(0, RECENT_MESSAGES),
      };
    case 'note':
      return {
        ...screen,
        notes: upsert(screen.notes, change.note)
          .sort((a, b) => b.created_at.localeCompare(a.created_at))
          .slice(0, RECENT_NOTES),
      };
    case 'appointment': {
      const others = screen.appointments.filter((a) => a.id !== change.appointment.id);
      const upcoming = change.appointment.status === 'booked' && new Date(change.appointment.ends_at) > now;
      return {
        ...screen,
        appointments: (upcoming ? [...others, change.appointment] : others).sort((a, b) => a.starts_at.localeCompare(b.starts_at)),
      };
    }
    case 'linked_item':
      return { ...screen, linked_items: upsert(screen.linked_items, change.linked_item) };
    case 'member':
      return { ...screen, member: change.member };
    case 'profile':
      return { ...screen, profile: change.profile, wellness: change.wellness };
    case 'risk_profile':
      return { ...screen, risk_profile: change.risk_profile };
    default:
      return screen;
  }
}
