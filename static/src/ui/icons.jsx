// Icons by the names the node-type registry uses (`icon` of each type).
// The registry names the icon; this table only says how each name is drawn,
// with an unknown name falling back to a neutral box.

import {
  ArrowRight,
  Box,
  CircleDot,
  Clock,
  Cookie,
  Grid3x3,
  Grip,
  Hash,
  MessageSquare,
  Music,
  Pause,
  Phone,
  PhoneForwarded,
  PhoneIncoming,
  PhoneOff,
  Server,
  Smartphone,
  Split,
  Square,
  Users,
  Variable,
} from 'lucide-react';

const BY_NAME = {
  'phone-incoming': PhoneIncoming,
  message: MessageSquare,
  music: Music,
  hash: Hash,
  cookie: Cookie,
  phone: Phone,
  record: CircleDot,
  stop: Square,
  grid: Grid3x3,
  keypad: Grip,
  split: Split,
  clock: Clock,
  variable: Variable,
  'phone-forward': PhoneForwarded,
  server: Server,
  smartphone: Smartphone,
  users: Users,
  pause: Pause,
  'phone-off': PhoneOff,
  'arrow-right': ArrowRight,
};

export function TypeIcon({ name, size = 16, ...rest }) {
  const Icon = BY_NAME[name] ?? Box;
  return <Icon size={size} strokeWidth={2} aria-hidden="true" {...rest} />;
}
