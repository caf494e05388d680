import type { INodeProperties } from 'n8n-workflow';
import { permissionFields } from './shared';

export const permissionApproveDescription: INodeProperties[] = [...permissionFields('approve')];
